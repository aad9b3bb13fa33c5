"""Reads of provisions and their history, scoped to the actor's agreements."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agreement.models import Agreement, Chapter, Mineral, Participation
from agreement.selectors import agreement_list_for, agreement_party_codes
from parties.access import Actor
from parties.models import Party

from . import brackets, diff
from .compare import ProvisionChange, Snapshot, compare_snapshots
from .models import PRESENCE_LEASE, HistoricalProvision, HistoricalProvisionMineral, Provision

# The stance that consents to agree the text: negotiations' Position.Stance.AGREE, named here
# because this app does not import the app above it (a test keeps the two equal).
AGREE = "agree"


def provision_list_for(actor: Actor) -> QuerySet[Provision]:
    """Provisions of the agreements the actor's party takes part in, with what lists display."""
    return (
        Provision.objects.filter(agreement__in=agreement_list_for(actor))
        .select_related("chapter", "proposed_by")
        .prefetch_related("minerals")
    )


# What the API's provision list prints, read as plain values (`provision_rows` shapes them).
LIST_VALUES = (
    "id",
    "agreement_id",
    "chapter_id",
    "number",
    "order",
    "heading",
    "category",
    "status",
    "proposed_by__code",
    "body",
    "bracket_count",
    "version",
    "created_at",
    "updated_at",
)


def provision_values(provisions: QuerySet[Provision]) -> QuerySet:
    """`provisions` (filtered and ordered as the caller likes) as dicts of LIST_VALUES."""
    return provisions.prefetch_related(None).values(*LIST_VALUES)


def mineral_ids_by_provision(provision_ids: list[int]) -> dict[int, list[int]]:
    """The covered mineral ids of each provision, in one query, by name as minerals are."""
    links = Provision.minerals.through.objects.filter(provision_id__in=provision_ids)
    minerals: dict[int, list[int]] = {pk: [] for pk in provision_ids}
    for provision_id, mineral_id in links.order_by("mineral__name").values_list(
        "provision_id", "mineral_id"
    ):
        minerals[provision_id].append(mineral_id)
    return minerals


def mineral_ever_covered(mineral: Mineral) -> bool:
    """Whether any provision covers the mineral, or any version of one did."""
    return (
        Provision.minerals.through.objects.filter(mineral=mineral).exists()
        or HistoricalProvisionMineral.objects.filter(mineral=mineral).exists()
    )


def provision_get_for(actor: Actor, pk: int) -> Provision:
    """One provision, with its agreement (its pages show the agreement's navigation)."""
    return get_object_or_404(provision_list_for(actor).select_related("agreement"), pk=pk)


def _with_minerals(records: QuerySet) -> QuerySet:
    """History rows with the minerals they record prefetched (one query for all of them), for
    `version_minerals`."""
    return records.prefetch_related(
        Prefetch(
            "historicalprovision_minerals_set",
            queryset=HistoricalProvisionMineral.objects.select_related("mineral"),
            to_attr="mineral_links",
        )
    )


def version_minerals(record) -> list[str] | None:
    """The names of the minerals a version covered, sorted; None when the version was written
    before minerals were recorded (unknown, not "none").

    Names are the minerals' names now: history records which minerals, not what they were called.
    Reads what `provision_history` and `provision_version_get` prefetched; any other row costs a
    query.
    """
    if not record.minerals_recorded:
        return None
    links = getattr(record, "mineral_links", None)
    if links is None:
        links = record.minerals.select_related("mineral")
    # A mineral cannot be deleted while its agreement exists; the check only keeps a dangling id
    # (the history table has no foreign key constraint) from failing the whole page.
    return sorted(link.mineral.name for link in links if link.mineral is not None)


def provision_history(provision: Provision) -> QuerySet:
    """Every version, newest first, with its author and minerals."""
    return _with_minerals(
        provision.history.select_related("history_user").order_by("-version", "-history_id")
    )


def provision_version_get(provision: Provision, version: int):
    """One version of a provision with its minerals (404 when it has no such version)."""
    return get_object_or_404(
        _with_minerals(provision.history.select_related("history_user")), version=version
    )


@dataclass(frozen=True)
class VersionDiff:
    """Two versions of a provision and what changed between them."""

    old: object
    new: object
    ops: list[diff.DiffOp]
    fields: list[dict]
    stats: diff.DiffStats
    # False when either version predates recording minerals: `fields` then says nothing of them.
    minerals_compared: bool = True


def _particulars(record, *, minerals: bool) -> dict:
    values = {name: getattr(record, name) for name in ("heading", "status", "category")}
    if minerals:
        values["minerals"] = version_minerals(record)
    return values


def provision_diff(provision: Provision, from_version: int, to_version: int) -> VersionDiff:
    """Word diff of the text plus heading, status, category and mineral changes (404 for a
    missing version).

    Minerals are compared only when both versions recorded them: an older version's minerals are
    unknown, and comparing "unknown" with a list would report a change nobody made.
    """
    old = provision_version_get(provision, from_version)
    new = provision_version_get(provision, to_version)
    ops = diff.diff_text(old.body, new.body)
    known = old.minerals_recorded and new.minerals_recorded
    return VersionDiff(
        old=old,
        new=new,
        ops=ops,
        fields=diff.diff_fields(
            _particulars(old, minerals=known), _particulars(new, minerals=known)
        ),
        stats=diff.diff_stats(ops),
        minerals_compared=known,
    )


def mineral_names_by_version(history_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The sorted mineral names each of these history rows records, in one query (none when
    there are no rows).

    Meant for rows that recorded their minerals (`minerals_recorded`): any other would come back
    as an empty tuple, which reads as "none" rather than "unknown".
    """
    names: dict[int, list[str]] = {pk: [] for pk in history_ids}
    if history_ids:
        links = HistoricalProvisionMineral.objects.filter(history_id__in=history_ids)
        for history_id, name in links.values_list("history_id", "mineral__name"):
            if name is not None:  # a dangling id: see version_minerals
                names[history_id].append(name)
    return {pk: tuple(sorted(found)) for pk, found in names.items()}


def provision_snapshots_as_of(
    agreement: Agreement, moment: datetime.datetime
) -> dict[int, Snapshot]:
    """The agreement's provisions as they stood at `moment`, read from history, with the minerals
    each version recorded (three queries at most, whatever the number of provisions)."""
    latest = (
        HistoricalProvision.objects.filter(agreement_id=agreement.pk, history_date__lte=moment)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    records = list(
        HistoricalProvision.objects.filter(history_id__in=latest).exclude(history_type="-")
    )
    minerals = mineral_names_by_version([r.history_id for r in records if r.minerals_recorded])
    chapter_numbers = dict(Chapter.objects.filter(agreement=agreement).values_list("id", "number"))
    return {
        record.id: Snapshot(
            id=record.id,
            number=record.number,
            heading=record.heading,
            category=record.category,
            status=record.status,
            chapter_number=chapter_numbers.get(record.chapter_id, 0),
            order=record.order,
            body=record.body,
            version=record.version,
            proposed_by_id=record.proposed_by_id,
            minerals=minerals.get(record.history_id),
        )
        for record in records
    }


def agreement_compare(
    agreement: Agreement, start: datetime.datetime, end: datetime.datetime
) -> list[ProvisionChange]:
    """What changed in the agreement's provisions between two moments (either order)."""
    return compare_snapshots(
        provision_snapshots_as_of(agreement, start), provision_snapshots_as_of(agreement, end)
    )


def presence_list(provision: Provision, *, excluding_user_id: int | None = None) -> list:
    """Who else has the provision open now (lease not lapsed), editors first."""
    recent = provision.presences.filter(seen_at__gte=timezone.now() - PRESENCE_LEASE)
    if excluding_user_id is not None:
        recent = recent.exclude(user_id=excluding_user_id)
    return sorted(
        recent, key=lambda p: (p.editing_since is None, p.editing_since or p.seen_at, p.label)
    )


TOO_LONG = "too-long"


@dataclass(frozen=True)
class TextCheck:
    """What the editor shows while typing: every bracket error, or the bracket count."""

    errors: tuple[brackets.BracketError, ...]
    count: brackets.BracketCount | None

    @property
    def too_long(self) -> bool:
        return bool(self.errors) and self.errors[0].code == TOO_LONG


def text_check(agreement: Agreement, body: str) -> TextCheck:
    """Check a draft text the way saving will, without saving anything."""
    limit = settings.PROVISION_BODY_MAX_CHARS
    if len(body) > limit:
        too_long = brackets.BracketError(
            line=1,
            column=1,
            code=TOO_LONG,
            message=f"The text is {len(body):,} characters long; the limit is {limit:,}.",
        )
        return TextCheck(errors=(too_long,), count=None)
    result = brackets.parse(body, party_codes=agreement_party_codes(agreement))
    if not result.ok:
        return TextCheck(errors=result.errors, count=None)
    return TextCheck(errors=(), count=brackets.count_brackets(result.document))


class ConsentState(StrEnum):
    CURRENT = "current"  # an `agree` given on the text as it is
    STALE = "stale"  # an `agree` given on a text that changed since: it no longer counts
    MISSING = "missing"  # no `agree` recorded


@dataclass(frozen=True)
class AgreeConsent:
    """One participant party's consent to agree a provision."""

    party: Party
    state: ConsentState
    version: int | None  # the version the `agree` was given on (None when missing)
    meeting: str = ""  # set when the secretariat recorded it as given in the room

    @property
    def counts(self) -> bool:
        return self.state == ConsentState.CURRENT


def agree_state(
    position, provision: Provision, *, text_version: int | None = None
) -> ConsentState | None:
    """THE rule for consent to agree: an `agree` counts only while it was given on the current
    text (`provision_version >= provision.text_version`); any later change of text makes it
    stale. None for a position that is not an `agree` (or no position at all).

    `text_version` asks as of an earlier text (the one a change just replaced). Every reader of
    consent (the status service, the API, the pages, the staleness notices) asks here or through
    `agree_consents`, so the rule lives in one place.
    """
    if position is None or position.stance != AGREE:
        return None
    text_version = provision.text_version if text_version is None else text_version
    if (position.provision_version or 0) >= text_version:
        return ConsentState.CURRENT
    return ConsentState.STALE


def agree_consents(provision: Provision, *, text_version: int | None = None) -> list[AgreeConsent]:
    """Each party with participant standing in the provision's agreement (observers never consent
    and never block), by code, with its consent to agree: current, stale (with the version it
    was given on) or missing. Two queries. `text_version`: as of an earlier text (`agree_state`).

    Positions belong to `negotiations`, which sits above this app and is not imported here: they
    are read through the reverse relation its Position model puts on Provision. That keeps the
    rule here, next to `text_version` which it compares, where `provisions.services` (the status
    steps, the staleness notices) can call it without importing up the stack.
    """
    participants = [
        participation.party
        for participation in provision.agreement.participations.filter(
            standing=Participation.Standing.PARTICIPANT
        )
        .select_related("party")
        .order_by("party__code")
    ]
    agrees = {
        position.party_id: position
        for position in provision.positions.filter(stance=AGREE).only(
            "party_id", "stance", "provision_version", "meeting"
        )
    }
    return consents_from_positions(provision, participants, agrees, text_version=text_version)


def consents_from_positions(
    provision: Provision,
    participants: list[Party],
    positions_by_party: dict,
    *,
    text_version: int | None = None,
) -> list[AgreeConsent]:
    """`agree_consents` from positions already read (party id → position; the positions matrix
    reads a whole agreement's at once)."""
    consents = []
    for party in participants:
        position = positions_by_party.get(party.pk)
        state = agree_state(position, provision, text_version=text_version)
        consents.append(
            AgreeConsent(
                party=party,
                state=state or ConsentState.MISSING,
                version=position.provision_version if state else None,
                meeting=position.meeting if state else "",
            )
        )
    return consents


def agree_consents_lacking(consents: list[AgreeConsent]) -> list[AgreeConsent]:
    """The consents that do not count (missing or stale): what stands between the text and agreed."""
    return [consent for consent in consents if not consent.counts]
