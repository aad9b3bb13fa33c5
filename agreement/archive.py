"""One agreement, with everything negotiated in it and its full history, as one archive file.

`archive_write` writes gzip-compressed JSON; `archive_read` restores such a file into a database that
holds no agreement data yet. The file names every record by its natural key (party code, username,
chapter number, provision number, ...) and never by a database id, so ids need not survive.

History is copied row for row: each historical row keeps its date, author, reason, author's party and
field values (a provision's also the minerals that version covered), and rows are written back in the
order they were first written. Restoring writes historical and current rows with `bulk_create`, never
through `save()`, which would stamp new dates and add history rows of its own.

A restore checks itself before it commits: the restored agreement is archived again in memory and must
equal the file, record for record. Any difference, like any other failure, leaves nothing behind.

Not archived: export jobs and their files, watches, notifications, presence leases, passwords.
"""

import datetime
import gzip
import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from negotiations.models import ActionItem, Comment, Position, Round
from parties.models import Membership, Party
from provisions.models import Provision

from .models import Agreement, Chapter, Mineral, Participation

FORMAT_NAME = "critical-minerals-archive"
FORMAT_VERSION = 2
# Version 1 files are version 2 files whose provision history rows do not say which minerals each
# version covered (no `minerals` key): they are read as "not recorded".
READABLE_VERSIONS = (1, 2)
ABOUT = (
    "One agreement with its parties, delegations, chapters, minerals, rounds, provisions, positions, "
    "comments and action items, and every historical version of provisions (with the minerals each "
    "covered) and positions. Written by "
    "`manage.py archive_agreement`, read by `manage.py restore_agreement`; see docs/archive.md. "
    "Holds every delegation's internal material: handle as restricted."
)
# The apps whose tables must be empty before a restore.
APP_LABELS = ("parties", "agreement", "provisions", "negotiations")

User = get_user_model()
HistoricalProvision = Provision.history.model
HistoricalPosition = Position.history.model
# One row per mineral a provision version covered.
HistoricalProvisionMineral = HistoricalProvision.minerals.model


class ArchiveError(Exception):
    """The file is not a readable archive, or the database cannot give or take one."""


# --- What is archived: one list of fields per record kind -----------------------------------------

# Value kinds. References are written as the natural key of the record they point to.
TEXT, INT, BOOL, MOMENT, DAY, STRINGS = "text", "int", "bool", "moment", "day", "strings"
PARTY, USER, CHAPTER, PROVISION, ROUND = "party", "user", "chapter", "provision", "round"
REFERENCES = frozenset({PARTY, USER, CHAPTER, PROVISION, ROUND})
# Minerals are referred to by name too, but only in lists (a provision's, a version's).
MINERAL = "mineral"
KINDS = REFERENCES | {TEXT, INT, BOOL, MOMENT, DAY, STRINGS}


@dataclass(frozen=True)
class Field:
    """One archived value: its key in the file, its kind, the model attribute it comes from."""

    key: str
    kind: str = TEXT
    null: bool = False

    @property
    def attname(self) -> str:
        return f"{self.key}_id" if self.kind in REFERENCES else self.key


def _fields(spec: str) -> tuple[Field, ...]:
    """Fields from 'key key:kind key:kind? ...': kind defaults to text, '?' allows null."""
    fields = []
    for word in spec.split():
        key, _, kind = word.rstrip("?").partition(":")
        if kind and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} in {word!r}")
        fields.append(Field(key, kind or TEXT, null=word.endswith("?")))
    return tuple(fields)


PARTY_FIELDS = _fields("code name lead_agency kind colour")
USER_FIELDS = _fields("username first_name last_name email is_staff:bool is_active:bool")
MEMBERSHIP_FIELDS = _fields("user:user party:party role")
AGREEMENT_FIELDS = _fields("title short_title status description created_at:moment")
PARTICIPATION_FIELDS = _fields("party:party joined_on:day standing")
CHAPTER_FIELDS = _fields("number:int title")
MINERAL_FIELDS = _fields("name hs_codes:strings")
ROUND_FIELDS = _fields("number:int venue starts_on:day ends_on:day closed_at:moment?")
PROVISION_FIELDS = _fields(
    "number chapter:chapter order:int heading category status proposed_by:party? body "
    "bracket_count:int version:int created_at:moment updated_at:moment"
)
POSITION_FIELDS = _fields(
    "provision:provision party:party stance note internal_note updated_at:moment"
)
# Every historical row also carries `seq`: its place among all rows of its kind in the agreement,
# in the order they were written (history_id order), so a restore writes them back in that order.
# A provision's historical row also carries `minerals`: the names of the minerals that version
# covered, or null for versions written before minerals were recorded (`minerals_recorded` false).
HISTORY_FIELDS = _fields(
    "history_date:moment history_type history_user:user? history_change_reason? history_party"
)
PROVISION_HISTORY_FIELDS = HISTORY_FIELDS + PROVISION_FIELDS
POSITION_HISTORY_FIELDS = HISTORY_FIELDS + POSITION_FIELDS
COMMENT_FIELDS = _fields(
    "provision:provision provision_version:int? author:user party:party? visibility body "
    "created_at:moment updated_at:moment"
)
ACTION_ITEM_FIELDS = _fields(
    "title description owner_party:party assignee:user? due_on:day? provision:provision? "
    "round:round? done:bool done_at:moment? reminded_on:day? created_by:user created_at:moment"
)

SECTIONS = (
    "parties",
    "users",
    "memberships",
    "agreement",
    "participations",
    "chapters",
    "minerals",
    "rounds",
    "provisions",
    "positions",
    "comments",
    "action_items",
)
HEADER = ("format", "version", "about", "created_at", "counts")


# --- Writing --------------------------------------------------------------------------------------


def archive_write(agreement: Agreement, stream: IO[bytes]) -> dict[str, int]:
    """Write the agreement and everything negotiated in it to `stream` as one archive.

    Reads from one consistent snapshot of the database. Answers the number of records written, by
    kind (the same figures the file's `counts` holds).
    """
    document = archive_document(agreement)
    data = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    with gzip.GzipFile(fileobj=stream, mode="wb", filename="", mtime=0) as compressed:
        compressed.write(data)
    return document["counts"]


def archive_counts(agreement: Agreement) -> dict[str, int]:
    """The number of records of each kind an archive of this agreement holds."""
    return archive_document(agreement)["counts"]


def archive_document(agreement: Agreement) -> dict[str, Any]:
    """The archive of the agreement as a JSON-ready dict, with stable ordering throughout."""
    with _consistent_reads():
        keys = _Keys.for_agreement(agreement)
        body = {
            "agreement": _encode(agreement, AGREEMENT_FIELDS, keys),
            "participations": _encode_all(
                agreement.participations.order_by("party__code"), PARTICIPATION_FIELDS, keys
            ),
            "chapters": _encode_all(agreement.chapters.order_by("number"), CHAPTER_FIELDS, keys),
            "minerals": _encode_all(agreement.minerals.order_by("name"), MINERAL_FIELDS, keys),
            "rounds": _encode_all(agreement.rounds.order_by("number"), ROUND_FIELDS, keys),
            "provisions": _provisions(agreement, keys),
            "positions": _positions(agreement, keys),
            "comments": _encode_all(
                Comment.objects.filter(provision__agreement=agreement).order_by("id"),
                COMMENT_FIELDS,
                keys,
            ),
            "action_items": _encode_all(
                agreement.action_items.order_by("id"), ACTION_ITEM_FIELDS, keys
            ),
        }
        people = _people(keys)
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "about": ABOUT,
        "created_at": _moment_text(timezone.now()),
        "counts": {},
        **people,
        **body,
    }
    document["counts"] = _count(document)
    return document


@contextmanager
def _consistent_reads() -> Iterator[None]:
    """One snapshot for every read, so the file never mixes two states of a provision."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


class _Keys:
    """Database ids to natural keys, remembering which parties and users were referred to."""

    def __init__(self, maps: dict[str, dict[int, Any]]):
        self.maps = maps
        self.used: dict[str, set[int]] = {PARTY: set(), USER: set()}

    @classmethod
    def for_agreement(cls, agreement: Agreement) -> "_Keys":
        return cls(
            {
                PARTY: dict(Party.objects.values_list("id", "code")),
                USER: dict(User.objects.values_list("id", "username")),
                CHAPTER: dict(agreement.chapters.values_list("id", "number")),
                PROVISION: dict(agreement.provisions.values_list("id", "number")),
                ROUND: dict(agreement.rounds.values_list("id", "number")),
                MINERAL: dict(agreement.minerals.values_list("id", "name")),
            }
        )

    def key(self, kind: str, pk: int) -> Any:
        if pk not in self.maps[kind]:
            raise ArchiveError(
                f"cannot archive: a record refers to {kind} id {pk}, "
                f"which is not a {kind} of this agreement (or no longer exists)"
            )
        if kind in self.used:
            self.used[kind].add(pk)
        return self.maps[kind][pk]


def _moment_text(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def _encode(obj: models.Model, fields: Iterable[Field], keys: _Keys) -> dict[str, Any]:
    record = {}
    for field in fields:
        value = getattr(obj, field.attname)
        if value is None:
            record[field.key] = None
        elif field.kind in REFERENCES:
            record[field.key] = keys.key(field.kind, value)
        elif field.kind == MOMENT:
            record[field.key] = _moment_text(value)
        elif field.kind == DAY:
            record[field.key] = value.isoformat()
        else:
            record[field.key] = value
    return record


def _encode_all(rows: Iterable[models.Model], fields: Iterable[Field], keys: _Keys) -> list[dict]:
    return [_encode(row, fields, keys) for row in rows]


def _history_by_record(
    history: models.QuerySet,
    fields: Iterable[Field],
    keys: _Keys,
    extra: Callable[[models.Model], dict[str, Any]] | None = None,
) -> dict[int, list[dict]]:
    """Historical rows encoded and grouped by the id of their record, each with its `seq` (and
    what `extra` adds)."""
    grouped: dict[int, list[dict]] = {}
    for seq, row in enumerate(history.order_by("history_id")):
        record = {"seq": seq, **_encode(row, fields, keys), **(extra(row) if extra else {})}
        grouped.setdefault(row.id, []).append(record)
    return grouped


def _version_minerals(history: models.QuerySet, keys: _Keys) -> dict[int, list[str]]:
    """The names of the minerals each historical provision row records, by history_id."""
    names: dict[int, list[str]] = {}
    links = HistoricalProvisionMineral.objects.filter(
        history_id__in=history.values("history_id")
    ).values_list("history_id", "mineral_id")
    for history_id, mineral_id in links:
        names.setdefault(history_id, []).append(keys.key(MINERAL, mineral_id))
    return {history_id: sorted(found) for history_id, found in names.items()}


def _refuse_orphans(orphans: models.QuerySet, kind: str) -> None:
    """History of deleted records cannot be restored under an id of its own: refuse, never drop it."""
    ids = sorted(set(orphans.values_list("id", flat=True)))
    if ids:
        raise ArchiveError(
            f"cannot archive: the history holds {kind}s that were deleted (ids {ids}); "
            f"archive format version {FORMAT_VERSION} cannot carry deleted records"
        )


def _provisions(agreement: Agreement, keys: _Keys) -> list[dict]:
    current = agreement.provisions.order_by("id").prefetch_related("minerals")
    ids = agreement.provisions.values("id")
    _refuse_orphans(
        HistoricalProvision.objects.filter(agreement=agreement).exclude(id__in=ids), "provision"
    )
    elsewhere = HistoricalProvision.objects.filter(id__in=ids).exclude(agreement=agreement)
    if elsewhere.exists():
        raise ArchiveError("cannot archive: a provision's history places it in another agreement")
    rows = HistoricalProvision.objects.filter(id__in=ids)
    minerals = _version_minerals(rows, keys)
    history = _history_by_record(
        rows,
        PROVISION_HISTORY_FIELDS,
        keys,
        extra=lambda row: {
            "minerals": minerals.get(row.history_id, []) if row.minerals_recorded else None
        },
    )
    return [
        {
            **_encode(provision, PROVISION_FIELDS, keys),
            "minerals": sorted(mineral.name for mineral in provision.minerals.all()),
            "history": history.get(provision.pk, []),
        }
        for provision in current
    ]


def _positions(agreement: Agreement, keys: _Keys) -> list[dict]:
    current = Position.objects.filter(provision__agreement=agreement).order_by("id")
    ids = current.values("id")
    on_provisions = HistoricalPosition.objects.filter(provision__agreement=agreement)
    _refuse_orphans(on_provisions.exclude(id__in=ids), "position")
    history = _history_by_record(
        HistoricalPosition.objects.filter(id__in=ids), POSITION_HISTORY_FIELDS, keys
    )
    return [
        {**_encode(position, POSITION_FIELDS, keys), "history": history.get(position.pk, [])}
        for position in current
    ]


def _people(keys: _Keys) -> dict[str, list[dict]]:
    """Parties, users and memberships: everyone referred to, with their whole delegations, and
    the site staff, who act as secretariat for every agreement."""
    keys.used[USER] |= set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    referred_users = keys.used[USER]
    keys.used[PARTY] |= set(
        Membership.objects.filter(user_id__in=referred_users).values_list("party_id", flat=True)
    )
    memberships = Membership.objects.filter(party_id__in=keys.used[PARTY]).order_by(
        "party__code", "user__username"
    )
    encoded_memberships = _encode_all(memberships, MEMBERSHIP_FIELDS, keys)
    users = User.objects.filter(pk__in=keys.used[USER]).order_by("username")
    parties = Party.objects.filter(pk__in=keys.used[PARTY]).order_by("code")
    return {
        "parties": _encode_all(parties, PARTY_FIELDS, keys),
        "users": _encode_all(users, USER_FIELDS, keys),
        "memberships": encoded_memberships,
    }


def _count(document: dict[str, Any]) -> dict[str, int]:
    counts = {section: len(document[section]) for section in SECTIONS if section != "agreement"}
    counts["provision_versions"] = sum(len(p["history"]) for p in document["provisions"])
    counts["position_versions"] = sum(len(p["history"]) for p in document["positions"])
    return counts


# --- Reading --------------------------------------------------------------------------------------


def archive_read(stream: IO[bytes]) -> Agreement:
    """Restore the archive in `stream` into a database that holds no agreement data yet.

    Everything happens in one transaction: a bad file, a database that is not empty, or a restored
    agreement that does not re-archive to exactly the file's content leaves nothing behind.
    Restored users have no usable password. Raises ArchiveError naming what is wrong and where.
    """
    document = _load(stream)
    _check_header(document)
    try:
        with transaction.atomic():
            _require_empty_database()
            agreement = _Restore(document).run()
            _verify(document, agreement)
    except DatabaseError as exc:
        raise ArchiveError(f"the database refused the file's records: {exc}") from exc
    return agreement


def _load(stream: IO[bytes]) -> Any:
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


def _check_header(document: Any) -> None:
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
    _check_keys(document, "(top level)", required=HEADER + SECTIONS)
    counts = _Node(document, "").child("counts")
    expected = _count_sections(document)
    _check_keys(counts.data, counts.path, required=expected)
    for kind, number in expected.items():
        if counts.value(Field(kind, INT)) != number:
            raise ArchiveError(
                f"counts.{kind}: the file says {counts.data[kind]} but holds {number}; "
                "the file was changed or cut short"
            )


def _count_sections(document: dict[str, Any]) -> dict[str, int]:
    """Like _count, for a document not validated yet: every section must be a list of objects."""
    root = _Node(document, "")
    for section in SECTIONS:
        if section == "agreement":
            root.child(section)
        else:
            root.children(section)
    for kind in ("provisions", "positions"):
        for node in root.children(kind):
            node.children("history")
    return _count(document)


def _require_empty_database() -> None:
    in_the_way = [
        f"{number} {model._meta.verbose_name_plural if number != 1 else model._meta.verbose_name}"
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if (number := model._default_manager.count())
    ]
    if in_the_way:
        raise ArchiveError(
            "refusing to restore: the database already holds agreement data ("
            + ", ".join(in_the_way)
            + "). restore_agreement only restores into an empty database."
        )


def _kind_of(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number"}
    names |= {float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _check_keys(
    data: dict, path: str, *, required: Iterable[str], optional: Iterable[str] = ()
) -> None:
    required = tuple(required)
    missing = [key for key in required if key not in data]
    if missing:
        raise ArchiveError(f"{path}: missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        raise ArchiveError(
            f"{path}: unknown key {', '.join(unknown)} "
            f"(this program reads version {FORMAT_VERSION} archives and older)"
        )


@dataclass(frozen=True)
class _Node:
    """A JSON object from the file with its path, for error messages that say where."""

    data: dict
    path: str

    def where(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def child(self, key: str) -> "_Node":
        value = self.data.get(key)
        if not isinstance(value, dict):
            raise ArchiveError(f"{self.where(key)}: expected an object, found {_kind_of(value)}")
        return _Node(value, self.where(key))

    def children(self, key: str) -> list["_Node"]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise ArchiveError(f"{self.where(key)}: expected a list, found {_kind_of(value)}")
        path = self.where(key)
        nodes = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise ArchiveError(f"{path}[{index}]: expected an object, found {_kind_of(item)}")
            nodes.append(_Node(item, f"{path}[{index}]"))
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


class _Restore:
    """Writes one validated-as-it-goes document into the database, natural keys to new ids."""

    def __init__(self, document: dict[str, Any]):
        self.root = _Node(document, "")
        self.ids: dict[str, dict[Any, int]] = {kind: {} for kind in REFERENCES}
        self.agreement: Agreement | None = None

    def run(self) -> Agreement:
        self._parties()
        self._users()
        self._create(Membership, "memberships", MEMBERSHIP_FIELDS, unique=("user",))
        self._agreement()
        self._create(
            Participation,
            "participations",
            PARTICIPATION_FIELDS,
            unique=("party",),
            in_agreement=True,
        )
        chapters = self._create(
            Chapter, "chapters", CHAPTER_FIELDS, unique=("number",), in_agreement=True
        )
        self._index(CHAPTER, chapters)
        minerals = self._create(
            Mineral, "minerals", MINERAL_FIELDS, unique=("name",), in_agreement=True
        )
        rounds = self._create(Round, "rounds", ROUND_FIELDS, unique=("number",), in_agreement=True)
        self._index(ROUND, rounds)
        self._provisions({mineral.name: mineral.pk for mineral in minerals})
        self._positions()
        self._create(Comment, "comments", COMMENT_FIELDS)
        self._create(ActionItem, "action_items", ACTION_ITEM_FIELDS, in_agreement=True)
        assert self.agreement is not None
        return self.agreement

    # Records -------------------------------------------------------------------------------------

    def _parties(self) -> None:
        parties = self._create(Party, "parties", PARTY_FIELDS, unique=("code",))
        self.ids[PARTY] = {party.code: party.pk for party in parties}

    def _users(self) -> None:
        """Users already present are taken as they are; new ones get no usable password."""
        nodes = self.root.children("users")
        self._refuse_duplicates(nodes, ("username",))
        existing = dict(User.objects.values_list("username", "pk"))
        new_users = []
        for node in nodes:
            values = self._values(node, USER_FIELDS)
            if values["username"] in existing:
                self.ids[USER][values["username"]] = existing[values["username"]]
                continue
            user = User(**values, password=make_password(None))
            self._clean(user, node.path, exclude=("password",))
            new_users.append(user)
        _insert(User, new_users)
        self.ids[USER] |= {user.username: user.pk for user in new_users}

    def _agreement(self) -> None:
        node = self.root.child("agreement")
        agreement = Agreement(**self._values(node, AGREEMENT_FIELDS))
        self._clean(agreement, node.path)
        _insert(Agreement, [agreement])
        self.agreement = agreement

    def _provisions(self, mineral_ids: dict[str, int]) -> None:
        nodes = self.root.children("provisions")
        provisions = self._create(
            Provision,
            "provisions",
            PROVISION_FIELDS,
            unique=("number",),
            nested=("minerals", "history"),
            in_agreement=True,
        )
        self._index(PROVISION, provisions)
        links = [
            Provision.minerals.through(provision_id=provision.pk, mineral_id=mineral_id)
            for node, provision in zip(nodes, provisions, strict=True)
            for mineral_id in _mineral_ids(node, mineral_ids)
        ]
        Provision.minerals.through.objects.bulk_create(links)
        rows = self._history(
            HistoricalProvision, nodes, provisions, PROVISION_HISTORY_FIELDS, optional=("minerals",)
        )
        # The id of the link a version row copied is not archived: the restored link's, where the
        # provision still covers that mineral, else 0 (the application never reads it).
        link_ids = {(link.provision_id, link.mineral_id): link.pk for link in links}
        HistoricalProvisionMineral.objects.bulk_create(
            [
                HistoricalProvisionMineral(
                    history_id=row.pk,
                    provision_id=row.id,
                    mineral_id=mineral_id,
                    id=link_ids.get((row.id, mineral_id), 0),
                )
                for row_node, row in rows
                if row.minerals_recorded
                for mineral_id in _mineral_ids(row_node, mineral_ids)
            ],
            batch_size=500,
        )

    def _positions(self) -> None:
        nodes = self.root.children("positions")
        positions = self._create(
            Position,
            "positions",
            POSITION_FIELDS,
            unique=("provision", "party"),
            nested=("history",),
        )
        self._history(HistoricalPosition, nodes, positions, POSITION_HISTORY_FIELDS)

    def _history(
        self,
        model: type[models.Model],
        nodes: list[_Node],
        records: list[models.Model],
        fields: tuple[Field, ...],
        *,
        optional: tuple[str, ...] = (),
    ) -> list[tuple[_Node, models.Model]]:
        """Historical rows of all records, written in their original order (by `seq`); answers
        each written row with its node, in that order."""
        rows: list[tuple[int, _Node, models.Model]] = []
        seen: set[int] = set()
        for node, record in zip(nodes, records, strict=True):
            previous = -1
            for row_node in node.children("history"):
                seq = row_node.value(Field("seq", INT))
                if seq <= previous or seq in seen:
                    raise ArchiveError(
                        f"{row_node.where('seq')}: {seq} is used twice or not after {previous}"
                    )
                previous = seq
                seen.add(seq)
                values = self._values(row_node, fields, extra=("seq",), optional=optional)
                row = model(**values, id=record.pk)
                if model is HistoricalProvision:
                    row.agreement_id = self.agreement.pk
                    row.minerals_recorded = row_node.data.get("minerals") is not None
                self._clean(row, row_node.path)
                rows.append((seq, row_node, row))
        rows.sort(key=lambda written: written[0])
        model._default_manager.bulk_create([row for _, _, row in rows], batch_size=500)
        return [(row_node, row) for _, row_node, row in rows]

    # Helpers -------------------------------------------------------------------------------------

    def _create(
        self,
        model: type[models.Model],
        section: str,
        fields: tuple[Field, ...],
        *,
        unique: tuple[str, ...] = (),
        nested: tuple[str, ...] = (),
        in_agreement: bool = False,
    ) -> list[Any]:
        """One section's records, checked and bulk-created in the file's order."""
        nodes = self.root.children(section)
        self._refuse_duplicates(nodes, unique)
        objects = []
        for node in nodes:
            obj = model(**self._values(node, fields, extra=nested))
            if in_agreement:
                obj.agreement = self.agreement
            self._clean(obj, node.path)
            objects.append(obj)
        _insert(model, objects)
        return objects

    def _values(
        self,
        node: _Node,
        fields: Iterable[Field],
        *,
        extra: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        fields = tuple(fields)
        _check_keys(
            node.data, node.path, required=[f.key for f in fields] + list(extra), optional=optional
        )
        values = {}
        for field in fields:
            value = node.value(field)
            if field.kind in REFERENCES and value is not None:
                value = self._id(field.kind, value, node.where(field.key))
            values[field.attname] = value
        return values

    def _id(self, kind: str, key: Any, where: str) -> int:
        if key not in self.ids[kind]:
            raise ArchiveError(f"{where}: no {kind} {key!r} in the file")
        return self.ids[kind][key]

    def _index(self, kind: str, objects: list[Any]) -> None:
        self.ids[kind] = {obj.number: obj.pk for obj in objects}

    @staticmethod
    def _refuse_duplicates(nodes: list[_Node], keys: tuple[str, ...]) -> None:
        if not keys:
            return
        seen: dict[tuple, str] = {}
        for node in nodes:
            value = tuple(json.dumps(node.data.get(key)) for key in keys)
            if value in seen:
                shown = ", ".join(f"{k}={node.data.get(k)!r}" for k in keys)
                raise ArchiveError(f"{node.path}: {shown} appears twice (also {seen[value]})")
            seen[value] = node.path

    @staticmethod
    def _clean(obj: models.Model, where: str, exclude: Iterable[str] = ()) -> None:
        """Field rules (choices, lengths, formats); references were resolved from the file itself."""
        relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
        try:
            obj.full_clean(
                exclude=[*relations, *exclude], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise ArchiveError(f"{where}: {problems}") from None


def _mineral_ids(node: _Node, mineral_ids: dict[str, int]) -> list[int]:
    """The ids of the minerals a node lists by name under `minerals`: each once, each in the file."""
    names = node.value(Field("minerals", STRINGS))
    where = node.where("minerals")
    for name in names:
        if name not in mineral_ids:
            raise ArchiveError(f"{where}: no mineral {name!r} in minerals")
    if len(set(names)) != len(names):
        raise ArchiveError(f"{where}: a mineral is named twice")
    return [mineral_ids[name] for name in names]


def _insert(model: type[models.Model], objects: list[models.Model]) -> None:
    """bulk_create, then put back the timestamps that auto_now/auto_now_add overwrote."""
    stamped = [
        field
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    wanted = [{field.attname: getattr(obj, field.attname) for field in stamped} for obj in objects]
    model._default_manager.bulk_create(objects, batch_size=500)
    pairs = list(zip(objects, wanted, strict=True))
    for field in stamped:
        for start in range(0, len(pairs), 200):
            chunk = pairs[start : start + 200]
            model._default_manager.filter(pk__in=[obj.pk for obj, _ in chunk]).update(
                **{
                    field.attname: models.Case(
                        *(
                            models.When(pk=obj.pk, then=models.Value(values[field.attname]))
                            for obj, values in chunk
                        ),
                        output_field=type(field)(),
                    )
                }
            )
    for obj, values in zip(objects, wanted, strict=True):
        for attname, value in values.items():
            setattr(obj, attname, value)


def _verify(document: dict[str, Any], agreement: Agreement) -> None:
    """The restored agreement must archive to exactly the file's records.

    Users are checked by name only, and staff already present may be added: users already present
    were kept as they were.
    """
    restored = archive_document(agreement)
    for section in SECTIONS:
        wanted, found = document[section], restored[section]
        if section == "users":
            missing = {u["username"] for u in wanted} - {u["username"] for u in found}
            if missing:
                raise ArchiveError(f"users {sorted(missing)} were not restored")
            continue
        difference = _first_difference(wanted, found, section)
        if difference:
            raise ArchiveError(f"the restored records differ from the file at {difference}")


def _first_difference(wanted: Any, found: Any, path: str) -> str | None:
    if isinstance(wanted, dict) and isinstance(found, dict):
        for key in wanted.keys() | found.keys():
            difference = _first_difference(wanted.get(key), found.get(key), f"{path}.{key}")
            if difference:
                return difference
        return None
    if isinstance(wanted, list) and isinstance(found, list):
        if len(wanted) != len(found):
            return f"{path} ({len(wanted)} in the file, {len(found)} restored)"
        for index, (a, b) in enumerate(zip(wanted, found, strict=True)):
            difference = _first_difference(a, b, f"{path}[{index}]")
            if difference:
                return difference
        return None
    if _normalised(wanted) != _normalised(found):
        return f"{path} ({wanted!r:.60} in the file, {found!r:.60} restored)"
    return None


def _normalised(value: Any) -> Any:
    """Date-times compare as instants: the file may write +01:00 where a re-archive writes UTC."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
