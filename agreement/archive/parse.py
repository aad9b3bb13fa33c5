"""Reading a file: gzip-compressed JSON to a document whose header and counts are checked, and the
checked access to its records (`Node`) that a restore reads them through. No database work."""

import datetime
import gzip
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from .schema import (
    BOOL,
    CHAPTER,
    DAY,
    FORMAT_NAME,
    FORMAT_VERSION,
    HEADER,
    INT,
    MOMENT,
    PARTY,
    PROPOSAL,
    PROVISION,
    READABLE_VERSIONS,
    ROUND,
    STRINGS,
    TEXT,
    USER,
    ArchiveError,
    Field,
    count_records,
    sections_of,
)


def load_document(stream: IO[bytes]) -> Any:
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as compressed:
            data = compressed.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"not a gzip-compressed archive (or a damaged one): {exc}") from exc
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"the compressed content is not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ArchiveError(f"the compressed content is not JSON: {exc}") from exc


def check_header(document: Any) -> None:
    if not isinstance(document, dict):
        raise ArchiveError(f"not an archive: the JSON holds {_kind_of(document)}, not an object")
    if document.get("format") != FORMAT_NAME:
        raise ArchiveError(
            f"not a {FORMAT_NAME} file: format is {document.get('format')!r}, "
            f"expected {FORMAT_NAME!r}"
        )
    if document.get("version") not in READABLE_VERSIONS:
        raise ArchiveError(
            f"archive version {document.get('version')!r} is not supported; "
            f"this program reads versions {', '.join(map(str, READABLE_VERSIONS))}"
        )
    version = document["version"]
    check_keys(document, "(top level)", required=HEADER + sections_of(version))
    counts = Node(document, "").child("counts")
    expected = _count_sections(document, version)
    check_keys(counts.data, counts.path, required=expected)
    for kind, number in expected.items():
        if counts.value(Field(kind, INT)) != number:
            raise ArchiveError(
                f"counts.{kind}: the file says {counts.data[kind]} but holds {number}; "
                "the file was changed or cut short"
            )


def upgrade(document: dict[str, Any]) -> None:
    """Make a checked document of an older version say what the current version says, one
    version at a time. A key an older version did not have is refused, not overwritten: the file
    is not what it says it is."""
    if document["version"] == 1:
        _upgrade_1_to_2(document)
    if document["version"] == 2:
        _upgrade_2_to_3(document)
    if document["version"] == 3:
        _upgrade_3_to_4(document)
    assert document["version"] == FORMAT_VERSION


def _upgrade_1_to_2(document: dict[str, Any]) -> None:
    """In version 1, no provision version recorded its minerals (`minerals` null in version 2)."""
    for node in Node(document, "").children("provisions"):
        for row in node.children("history"):
            _add(row, 1, "do not list a version's minerals", minerals=None)
    document["version"] = 2


def _upgrade_2_to_3(document: dict[str, Any]) -> None:
    """Version 2 came before the negotiation rules: the text of each provision version is taken to
    have changed at that version (`text_version` = `version`, so no consent predates it, as the
    migration that added it assumed); positions were bound to no version and given in no meeting;
    there were no proposals or resolutions."""
    root = Node(document, "")
    no_text_version = "do not say when the text last changed"
    for node in root.children("provisions"):
        # A missing or malformed version is reported as such when the record is read.
        _add(node, 2, no_text_version, text_version=node.data.get("version"))
        # Tabled once: this version or an earlier one was past draft.
        tabled = False
        for row in node.children("history"):
            _add(row, 2, no_text_version, text_version=row.data.get("version"))
            tabled = tabled or row.data.get("status") != "draft"
            _add(row, 2, "do not say whether it was tabled", ever_tabled=tabled)
        _add(node, 2, "do not say whether it was tabled", ever_tabled=tabled)
    for node in root.children("positions"):
        for record in (node, *node.children("history")):
            _add(record, 2, "do not bind positions to a version", provision_version=None)
            _add(record, 2, "do not record meetings", meeting="")
    document["proposals"], document["resolutions"] = [], []
    document["version"] = 3
    document["counts"] = count_records(document, 3)


def _upgrade_3_to_4(document: dict[str, Any]) -> None:
    """Version 3 came before comments kept history: none was removed, and each comment's history
    is one row, the comment as it stands, written by its author (what the migration that added
    comment history wrote for the comments of the day)."""
    for seq, node in enumerate(Node(document, "").children("comments")):
        _add(node, 3, "do not record removals", deleted_at=None, deleted_by=None)
        data = node.data
        first = {
            "seq": seq,
            "history_date": data.get("updated_at"),
            "history_type": "+",
            "history_user": data.get("author"),
            "history_change_reason": "Comment as it stood when comment history began",
            "history_party": data.get("party") or "",
            **data,
        }
        _add(node, 3, "keep no comment history", history=[first])
    document["version"] = 4
    document["counts"] = count_records(document, 4)


def _add(node: "Node", version: int, why: str, **defaults: Any) -> None:
    """Give an older record the keys a later version added, with the value they mean there."""
    for key, value in defaults.items():
        if key in node.data:
            raise ArchiveError(f"{node.path}: unknown key {key} (version {version} archives {why})")
        node.data[key] = value


def _count_sections(document: dict[str, Any], version: int) -> dict[str, int]:
    """Like count_records, for a document not validated yet: every section must be a list of objects."""
    root = Node(document, "")
    sections = sections_of(version)
    for section in sections:
        if section == "agreement":
            root.child(section)
        else:
            root.children(section)
    nested = {"provisions": "history", "positions": "history"}
    nested |= {"proposals": "history", "resolutions": "consents"}
    for section, key in nested.items():
        if section in sections:
            for node in root.children(section):
                node.children(key)
    return count_records(document, version)


def _kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number"}
    names |= {float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def check_keys(data: dict, path: str, *, required: Iterable[str]) -> None:
    required = tuple(required)
    missing = [key for key in required if key not in data]
    if missing:
        raise ArchiveError(f"{path}: missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(required))
    if unknown:
        raise ArchiveError(
            f"{path}: unknown key {', '.join(unknown)} "
            f"(this program reads version {FORMAT_VERSION} archives and older)"
        )


@dataclass(frozen=True)
class Node:
    """A JSON object from the file with its path, for error messages that say where."""

    data: dict
    path: str

    def where(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def child(self, key: str) -> "Node":
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise ArchiveError(f"{self.where(key)}: expected an object, found {_kind_of(value)}")
        return Node(value, self.where(key))

    def children(self, key: str) -> list["Node"]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise ArchiveError(f"{self.where(key)}: expected a list, found {_kind_of(value)}")
        path = self.where(key)
        nodes = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise ArchiveError(f"{path}[{index}]: expected an object, found {_kind_of(item)}")
            nodes.append(Node(item, f"{path}[{index}]"))
        return nodes

    def value(self, field: Field) -> Any:
        """The field's value as Python (a date-time, a date, ...), checked against its kind."""
        if field.key not in self.data:
            raise ArchiveError(f"{self.path}: missing {field.key}")
        raw = self.data[field.key]
        if raw is None:
            if field.null:
                return None
            raise ArchiveError(f"{self.where(field.key)}: may not be null")
        return _decode_value(field.kind, raw, self.where(field.key))


# The JSON type each kind is written as; references by the type of their natural key.
_JSON_TYPES = {TEXT: str, INT: int, BOOL: bool, MOMENT: str, DAY: str, STRINGS: list}
_JSON_TYPES |= {PARTY: str, USER: str, PROVISION: str, CHAPTER: int, ROUND: int, PROPOSAL: int}


def _decode_value(kind: str, raw: Any, where: str) -> Any:
    expected = _JSON_TYPES[kind]
    if not isinstance(raw, expected) or (expected is int and isinstance(raw, bool)):
        raise ArchiveError(
            f"{where}: expected {_kind_of(expected())}, found {_kind_of(raw)} ({raw!r:.60})"
        )
    if kind == MOMENT:
        try:
            moment = datetime.datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise ArchiveError(f"{where}: not a date and time with a UTC offset: {raw!r:.60}")
        return moment
    if kind == DAY:
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            raise ArchiveError(f"{where}: not a date (YYYY-MM-DD): {raw!r:.60}") from None
    if kind == STRINGS and not all(isinstance(item, str) for item in raw):
        raise ArchiveError(f"{where}: expected a list of text")
    return raw
