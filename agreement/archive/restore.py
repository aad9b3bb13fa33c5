"""Restoring: a checked document into a database that holds no agreement data yet, in one
transaction, verified by archiving the result again before it commits."""

import datetime
import json
from collections.abc import Iterable
from typing import IO, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction

from negotiations.models import ActionItem, Comment, Consent, Position, Proposal, Resolution, Round
from parties.models import ApiToken, AuditEntry, Membership, Party
from provisions.models import HistoricalProvision, HistoricalProvisionMineral, Provision

from ..models import Agreement, Chapter, Mineral, Participation
from .parse import Node, check_header, check_keys, load_document, upgrade
from .schema import (
    ACTION_ITEM_FIELDS,
    AGREEMENT_FIELDS,
    CHAPTER,
    CHAPTER_FIELDS,
    COMMENT_FIELDS,
    COMMENT_HISTORY_FIELDS,
    CONSENT_FIELDS,
    ID_FIELDS,
    INT,
    MEMBERSHIP_FIELDS,
    MINERAL_FIELDS,
    PARTICIPATION_FIELDS,
    PARTY,
    PARTY_FIELDS,
    POSITION_FIELDS,
    POSITION_HISTORY_FIELDS,
    PROPOSAL,
    PROPOSAL_FIELDS,
    PROPOSAL_HISTORY_FIELDS,
    PROVISION,
    PROVISION_FIELDS,
    PROVISION_HISTORY_FIELDS,
    REFERENCES,
    RESOLUTION_FIELDS,
    ROUND,
    ROUND_FIELDS,
    SECTIONS,
    STRINGS,
    USER,
    USER_FIELDS,
    ArchiveError,
    Field,
    HistoricalComment,
    HistoricalPosition,
    HistoricalProposal,
)
from .write import archive_document

# The apps whose tables must be empty before a restore,
APP_LABELS = ("parties", "agreement", "provisions", "negotiations")
# but for the site's own security records, which belong to no agreement and are never archived:
# the audit log (it names accounts and parties in its own columns and holds on to nothing, so it
# outlives them; the restoring secretariat's sign-in is already in it) and API tokens (of accounts
# a restore keeps as they are). Accounts' other records (two-factor authenticators, agency
# identities, e-mail addresses, sign-in attempts) are in apps a restore does not look at.
SITE_RECORDS = frozenset({AuditEntry, ApiToken})

User = get_user_model()


def archive_read(stream: IO[bytes]) -> Agreement:
    """Restore the archive in `stream` into a database that holds no agreement data yet.

    Everything happens in one transaction: a bad file, a database that is not empty, or a restored
    agreement that does not re-archive to exactly the file's content leaves nothing behind.
    Restored users have no usable password. Raises ArchiveError naming what is wrong and where.
    """
    document = load_document(stream)
    check_header(document)
    upgrade(document)
    try:
        with transaction.atomic():
            _require_empty_database()
            agreement = _Restore(document).run()
            _verify(document, agreement)
    except DatabaseError as exc:
        raise ArchiveError(f"the database refused the file's records: {exc}") from exc
    return agreement


def _require_empty_database() -> None:
    in_the_way = [
        f"{number} {model._meta.verbose_name_plural if number != 1 else model._meta.verbose_name}"
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models()
        if model not in SITE_RECORDS and (number := model._default_manager.count())
    ]
    if in_the_way:
        raise ArchiveError(
            "refusing to restore: the database already holds agreement data ("
            + ", ".join(in_the_way)
            + "). restore_agreement only restores into an empty database."
        )


class _Restore:
    """Writes one validated-as-it-goes document into the database, natural keys to new ids."""

    def __init__(self, document: dict[str, Any]):
        self.root = Node(document, "")
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
        self._proposals()
        self._resolutions()
        _continue_numbering(Proposal, Resolution)
        self._comments()
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
            for mineral_id in _named_ids(node, "minerals", mineral_ids, "mineral", "minerals")
        ]
        Provision.minerals.through.objects.bulk_create(links)
        rows = self._history(
            HistoricalProvision,
            nodes,
            provisions,
            PROVISION_HISTORY_FIELDS,
            extra=("minerals",),
            in_agreement=True,
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
                for mineral_id in _named_ids(
                    row_node, "minerals", mineral_ids, "mineral", "minerals"
                )
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

    def _comments(self) -> None:
        """Comments, removed ones staying removed, with their history."""
        nodes = self.root.children("comments")
        comments = self._create(Comment, "comments", COMMENT_FIELDS, nested=("history",))
        self._history(HistoricalComment, nodes, comments, COMMENT_HISTORY_FIELDS)

    def _proposals(self) -> None:
        """Proposals under their own numbers, with their history."""
        nodes = self.root.children("proposals")
        _refuse_bad_numbers(nodes)
        proposals = self._create(
            Proposal,
            "proposals",
            ID_FIELDS + PROPOSAL_FIELDS,
            unique=("id",),
            nested=("history",),
            in_agreement=True,
        )
        self.ids[PROPOSAL] = {proposal.pk: proposal.pk for proposal in proposals}
        self._history(
            HistoricalProposal, nodes, proposals, PROPOSAL_HISTORY_FIELDS, in_agreement=True
        )

    def _resolutions(self) -> None:
        """Resolutions under their own numbers, the parties each concerns, and every answer."""
        nodes = self.root.children("resolutions")
        _refuse_bad_numbers(nodes)
        resolutions = self._create(
            Resolution,
            "resolutions",
            ID_FIELDS + RESOLUTION_FIELDS,
            unique=("id",),
            nested=("concerned", "consents"),
        )
        Resolution.concerned.through.objects.bulk_create(
            [
                Resolution.concerned.through(resolution_id=resolution.pk, party_id=party_id)
                for node, resolution in zip(nodes, resolutions, strict=True)
                for party_id in _named_ids(node, "concerned", self.ids[PARTY], "party", "parties")
            ],
            batch_size=500,
        )
        consents = []
        for node, resolution in zip(nodes, resolutions, strict=True):
            answers = node.children("consents")
            self._refuse_duplicates(answers, ("party",))
            for answer in answers:
                consent = Consent(**self._values(answer, CONSENT_FIELDS), resolution=resolution)
                self._clean(consent, answer.path)
                consents.append(consent)
        _insert(Consent, consents)

    def _history(
        self,
        model: type[models.Model],
        nodes: list[Node],
        records: list[models.Model],
        fields: tuple[Field, ...],
        *,
        extra: tuple[str, ...] = (),
        in_agreement: bool = False,
    ) -> list[tuple[Node, models.Model]]:
        """Historical rows of all records, written in their original order (by `seq`); answers
        each written row with its node, in that order."""
        rows: list[tuple[int, Node, models.Model]] = []
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
                values = self._values(row_node, fields, extra=("seq", *extra))
                row = model(**values, id=record.pk)
                if in_agreement:
                    row.agreement_id = self.agreement.pk
                if model is HistoricalProvision:
                    row.minerals_recorded = row_node.data["minerals"] is not None
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
        node: Node,
        fields: Iterable[Field],
        *,
        extra: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        fields = tuple(fields)
        check_keys(node.data, node.path, required=[f.key for f in fields] + list(extra))
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
    def _refuse_duplicates(nodes: list[Node], keys: tuple[str, ...]) -> None:
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


def _named_ids(node: Node, key: str, ids: dict[str, int], kind: str, section: str) -> list[int]:
    """The ids of the records a node lists by name under `key` (minerals, parties): each once,
    each in the file's `section`."""
    names = node.value(Field(key, STRINGS))
    where = node.where(key)
    for name in names:
        if name not in ids:
            raise ArchiveError(f"{where}: no {kind} {name!r} in {section}")
    if len(set(names)) != len(names):
        raise ArchiveError(f"{where}: a {kind} is named twice")
    return [ids[name] for name in names]


def _refuse_bad_numbers(nodes: list[Node]) -> None:
    """A proposal's or resolution's number is its id: a whole number from 1 up."""
    for node in nodes:
        number = node.value(ID_FIELDS[0])
        if number < 1:
            raise ArchiveError(f"{node.where('id')}: a number from 1 up, found {number}")


def _continue_numbering(*models_numbered: type[models.Model]) -> None:
    """Records restored under their own numbers: the next one created continues after the
    highest (PostgreSQL's sequences do not follow explicit ids; SQLite's do, and needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_numbered))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


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


_MISSING = object()  # a key one side lacks differs even from a null on the other


def _first_difference(wanted: Any, found: Any, path: str) -> str | None:
    if isinstance(wanted, dict) and isinstance(found, dict):
        for key in wanted.keys() | found.keys():
            difference = _first_difference(
                wanted.get(key, _MISSING), found.get(key, _MISSING), f"{path}.{key}"
            )
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
