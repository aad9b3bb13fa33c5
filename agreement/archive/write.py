"""Writing: an agreement and its history from the database to one archive file."""

import datetime
import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from negotiations.models import Comment, Consent, Position, Resolution
from parties.models import Membership, Party
from provisions.models import HistoricalProvision, HistoricalProvisionMineral

from ..models import Agreement
from .schema import (
    ABOUT,
    ACTION_ITEM_FIELDS,
    AGREEMENT_FIELDS,
    CHAPTER,
    CHAPTER_FIELDS,
    COMMENT_FIELDS,
    COMMENT_HISTORY_FIELDS,
    CONSENT_FIELDS,
    DAY,
    FORMAT_NAME,
    FORMAT_VERSION,
    ID_FIELDS,
    MEMBERSHIP_FIELDS,
    MINERAL,
    MINERAL_FIELDS,
    MOMENT,
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
    USER,
    USER_FIELDS,
    ArchiveError,
    Field,
    HistoricalComment,
    HistoricalPosition,
    HistoricalProposal,
    count_records,
)

User = get_user_model()


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
            "proposals": _proposals(agreement, keys),
            "resolutions": _resolutions(agreement, keys),
            "comments": _comments(agreement, keys),
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
    document["counts"] = count_records(document)
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
                PROPOSAL: dict(agreement.proposals.values_list("id", "id")),
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


def _comments(agreement: Agreement, keys: _Keys) -> list[dict]:
    """Every comment, removed ones too (marked by `deleted_at`), each with its history."""
    current = Comment.objects.filter(provision__agreement=agreement).order_by("id")
    ids = current.values("id")
    on_provisions = HistoricalComment.objects.filter(provision__agreement=agreement)
    _refuse_orphans(on_provisions.exclude(id__in=ids), "comment")
    history = _history_by_record(
        HistoricalComment.objects.filter(id__in=ids), COMMENT_HISTORY_FIELDS, keys
    )
    return [
        {**_encode(comment, COMMENT_FIELDS, keys), "history": history.get(comment.pk, [])}
        for comment in current
    ]


def _proposals(agreement: Agreement, keys: _Keys) -> list[dict]:
    current = agreement.proposals.order_by("id")
    ids = current.values("id")
    _refuse_orphans(
        HistoricalProposal.objects.filter(agreement=agreement).exclude(id__in=ids), "proposal"
    )
    history = _history_by_record(
        HistoricalProposal.objects.filter(id__in=ids), PROPOSAL_HISTORY_FIELDS, keys
    )
    return [
        {
            **_encode(proposal, ID_FIELDS + PROPOSAL_FIELDS, keys),
            "history": history.get(proposal.pk, []),
        }
        for proposal in current
    ]


def _resolutions(agreement: Agreement, keys: _Keys) -> list[dict]:
    """Resolutions by number, each with the parties whose consent it needs and every answer."""
    current = Resolution.objects.filter(provision__agreement=agreement).order_by("id")
    concerned: dict[int, list[str]] = {}
    links = Resolution.concerned.through.objects.filter(resolution__in=current)
    for resolution_id, party_id in links.values_list("resolution_id", "party_id"):
        concerned.setdefault(resolution_id, []).append(keys.key(PARTY, party_id))
    consents: dict[int, list[dict]] = {}
    answers = Consent.objects.filter(resolution__in=current).order_by("party__code", "id")
    for consent in answers:
        consents.setdefault(consent.resolution_id, []).append(
            _encode(consent, CONSENT_FIELDS, keys)
        )
    return [
        {
            **_encode(resolution, ID_FIELDS + RESOLUTION_FIELDS, keys),
            "concerned": sorted(concerned.get(resolution.pk, [])),
            "consents": consents.get(resolution.pk, []),
        }
        for resolution in current
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
