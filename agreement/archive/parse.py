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
    PROVISION,
    READABLE_VERSIONS,
    ROUND,
    SECTIONS,
    STRINGS,
    TEXT,
    USER,
    ArchiveError,
    Field,
    count_records,
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
    check_keys(document, "(top level)", required=HEADER + SECTIONS)
    counts = Node(document, "").child("counts")
    expected = _count_sections(document)
    check_keys(counts.data, counts.path, required=expected)
    for kind, number in expected.items():
        if counts.value(Field(kind, INT)) != number:
            raise ArchiveError(
                f"counts.{kind}: the file says {counts.data[kind]} but holds {number}; "
                "the file was changed or cut short"
            )


def upgrade(document: dict[str, Any]) -> None:
    """Make a checked version 1 document say what version 2 says: in version 1, no provision
    version recorded its minerals (`minerals` null in version 2)."""
    if document["version"] != 1:
        return
    for index, provision in enumerate(document["provisions"]):
        history = provision.get("history")
        for row_index, row in enumerate(history if isinstance(history, list) else []):
            if not isinstance(row, dict):
                continue  # reported where rows are read
            if "minerals" in row:
                raise ArchiveError(
                    f"provisions[{index}].history[{row_index}]: unknown key minerals "
                    "(version 1 archives do not list a version's minerals)"
                )
            row["minerals"] = None
    document["version"] = FORMAT_VERSION


def _count_sections(document: dict[str, Any]) -> dict[str, int]:
    """Like count_records, for a document not validated yet: every section must be a list of objects."""
    root = Node(document, "")
    for section in SECTIONS:
        if section == "agreement":
            root.child(section)
        else:
            root.children(section)
    for kind in ("provisions", "positions"):
        for node in root.children(kind):
            node.children("history")
    return count_records(document)


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
_JSON_TYPES |= {PARTY: str, USER: str, PROVISION: str, CHAPTER: int, ROUND: int}


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
