"""Reads of rounds, positions, comments, action items, resolutions and proposals, with
delegation-only material filtered."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from agreement.models import Agreement, Participation
from agreement.selectors import agreement_list_for
from parties.access import Actor, Role
from parties.models import Party
from provisions import diff
from provisions.incorporate import IncorporationResult, UnreadableText, incorporate
from provisions.models import HistoricalProvision, Provision
from provisions.selectors import (
    AgreeConsent,
    ConsentState,
    agree_consents_lacking,
    agree_state,
    consents_from_positions,
)

from .models import (
    ActionItem,
    Comment,
    Consent,
    Notification,
    Position,
    Proposal,
    Resolution,
    Round,
    Watch,
)


def round_list_for(actor: Actor) -> QuerySet[Round]:
    return Round.objects.filter(agreement__in=agreement_list_for(actor)).select_related("agreement")


def position_list_for(actor: Actor) -> QuerySet[Position]:
    return Position.objects.filter(
        provision__agreement__in=agreement_list_for(actor)
    ).select_related("party", "provision")


def comment_list_for(actor: Actor) -> QuerySet[Comment]:
    """Shared comments, plus the actor's own delegation's internal ones; never another party's,
    and never a removed one (it stays in the database and its history, hidden from everyone)."""
    return (
        Comment.objects.filter(provision__agreement__in=agreement_list_for(actor))
        .present()
        .visible_to_party(
            actor.party_id,
            sees_delegation_material=actor.sees_delegation_material_of(actor.party_id),
        )
        .select_related("author", "party", "provision")
    )


def comment_history_for(actor: Actor, comment: Comment) -> QuerySet:
    """A comment's versions, newest first, for a reader of the comment (`comment_list_for`): a
    comment's audience never changes, so whoever may read it may read its earlier words."""
    if not comment_list_for(actor).filter(pk=comment.pk).exists():
        return Comment.history.none()
    return comment.history.select_related("history_user").order_by("-history_date", "-history_id")


def delegation_member(party: Party, username: str):
    """The user called `username` if they belong to `party`'s delegation, else None."""
    return (
        get_user_model()
        .objects.filter(username=username, membership__party=party)
        .select_related("membership")
        .first()
    )


def watch_list_for(actor: Actor) -> QuerySet[Watch]:
    return Watch.objects.filter(user_id=actor.user.pk)


def action_item_list_for(actor: Actor) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(agreement__in=agreement_list_for(actor)).select_related(
        "owner_party", "assignee", "provision", "round", "agreement"
    )


@dataclass(frozen=True)
class PointInTime:
    at: datetime.datetime
    label: str


def point_in_time(agreement: Agreement, value: str | None, *, name: str) -> PointInTime:
    """Read a point in time: `round:N` (the close of round N), a date (its end, UTC), a date-time,
    or nothing/`now`. Anything else is a ValidationError naming the parameter.
    """
    value = (value or "now").strip()
    if value == "now":
        return PointInTime(at=timezone.now(), label="now")
    if value.startswith("round:"):
        number = value.removeprefix("round:")
        round_ = (
            Round.objects.filter(agreement=agreement, number=number).first()
            if number.isascii() and number.isdigit()
            else None
        )
        if round_ is None:
            known = ", ".join(str(n) for n in agreement.rounds.values_list("number", flat=True))
            raise ValidationError(
                {name: f"There is no round {number} in this agreement (rounds: {known or 'none'})."}
            )
        if not round_.is_closed:
            raise ValidationError(
                {name: f"Round {round_.number} is not closed yet; its text is not fixed."}
            )
        return PointInTime(at=round_.closed_at, label=f"close of Round {round_.number}")
    try:
        day = parse_date(value)
    except ValueError:  # the shape of a date, but no such day (2025-02-30)
        raise ValidationError({name: f"'{value}' is not a date that exists."}) from None
    if day is not None:
        end_of_day = datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)
        return PointInTime(at=end_of_day, label=f"end of {day.isoformat()}")
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {
                name: f"'{value}' is not a point in time: use round:N, YYYY-MM-DD, an ISO date-time or now."
            }
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return PointInTime(at=moment, label=moment.isoformat())


@dataclass(frozen=True)
class MatrixRow:
    provision: Provision
    cells: list[Position | None]  # one per party, in the matrix's party order
    # Each cell's consent to agree (`agree_state`: current, stale or None), in the same order.
    cell_consents: list[ConsentState | None]
    # The participants' consents to agree (observers left out), as `agree_consents` gives them.
    consents: list[AgreeConsent]

    @property
    def cells_with_consent(self) -> list[tuple[Position | None, ConsentState | None]]:
        return list(zip(self.cells, self.cell_consents, strict=True))

    @property
    def consents_lacking(self) -> list[AgreeConsent]:
        return agree_consents_lacking(self.consents)


@dataclass(frozen=True)
class PositionsMatrix:
    parties: list[Party]
    rows: list[MatrixRow]


def positions_matrix(agreement: Agreement) -> PositionsMatrix:
    """Provision × party stances (shared fields only), in reading order, with each provision's
    consents to agree read by the one rule (`agree_state`); three queries."""
    participations = list(agreement.participations.select_related("party").order_by("party__code"))
    parties = [p.party for p in participations]
    participants = [
        p.party for p in participations if p.standing == Participation.Standing.PARTICIPANT
    ]
    provisions = list(
        agreement.provisions.exclude(status="withdrawn")
        .in_reading_order()
        .select_related("chapter")
    )
    positions = {
        (position.provision_id, position.party_id): position
        for position in Position.objects.filter(provision__agreement=agreement).only(
            "provision_id",
            "party_id",
            "stance",
            "note",
            "provision_version",
            "meeting",
            "updated_at",
        )
    }
    rows = []
    for provision in provisions:
        cells = [positions.get((provision.pk, party.pk)) for party in parties]
        by_party = {party.pk: cell for party, cell in zip(parties, cells, strict=True)}
        rows.append(
            MatrixRow(
                provision=provision,
                cells=cells,
                cell_consents=[agree_state(cell, provision) for cell in cells],
                consents=consents_from_positions(provision, participants, by_party),
            )
        )
    return PositionsMatrix(parties=parties, rows=rows)


def round_window(round_: Round) -> tuple[PointInTime, PointInTime]:
    """The period a round covers: from the previous round's close (or the beginning) to its own
    close (or now, while it is open)."""

    previous = (
        Round.objects.filter(
            agreement_id=round_.agreement_id, number__lt=round_.number, closed_at__isnull=False
        )
        .order_by("-number")
        .first()
    )
    if previous is None:
        start = PointInTime(
            at=datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC), label="the beginning"
        )
    else:
        start = PointInTime(at=previous.closed_at, label=f"close of Round {previous.number}")
    if round_.is_closed:
        return start, PointInTime(at=round_.closed_at, label=f"close of Round {round_.number}")
    return start, PointInTime(at=timezone.now(), label="now")


def notification_list_for(actor: Actor) -> QuerySet[Notification]:
    """The actor's notifications. Delegation-only ones stay readable only while the actor still
    sees that delegation's material: a delegate who moves party (or becomes an observer) loses them."""
    mine = Notification.objects.filter(recipient_id=actor.user.pk)
    shared = Q(delegation__isnull=True)
    if actor.sees_delegation_material_of(actor.party_id):
        return mine.filter(shared | Q(delegation_id=actor.party_id))
    return mine.filter(shared)


# --- Resolutions: who has consented, who has not ----------------------------------------------


def resolution_list_for(actor: Actor) -> QuerySet[Resolution]:
    """Resolutions on the provisions of the agreements the actor's party takes part in, with their
    parties concerned and answers fetched (no query per resolution)."""
    return (
        Resolution.objects.filter(provision__agreement__in=agreement_list_for(actor))
        .select_related("provision", "party", "author")
        .prefetch_related(
            Prefetch("concerned", queryset=Party.objects.order_by("code")),
            Prefetch("consents", queryset=Consent.objects.select_related("party", "recorded_by")),
        )
    )


@dataclass(frozen=True)
class ResolutionAnswer:
    """One concerned party's answer to a resolution: consent, decline or None (not yet)."""

    party: Party
    consent: Consent | None

    @property
    def answer(self) -> str | None:
        return self.consent.answer if self.consent else None


def resolution_answers(resolution: Resolution) -> list[ResolutionAnswer]:
    """Every party concerned, by code, with its answer (reads what `resolution_list_for` fetched)."""
    by_party = {consent.party_id: consent for consent in resolution.consents.all()}
    concerned = sorted(resolution.concerned.all(), key=lambda party: party.code)
    return [ResolutionAnswer(party=party, consent=by_party.get(party.pk)) for party in concerned]


def resolution_base_bodies(resolutions: list[Resolution]) -> dict[int, str]:
    """The text each resolution was proposed on (its provision at `base_version`), in one query."""
    if not resolutions:
        return {}
    wanted = Q()
    for resolution in resolutions:
        wanted |= Q(id=resolution.provision_id, version=resolution.base_version)
    bodies = {
        (row["id"], row["version"]): row["body"]
        for row in HistoricalProvision.objects.filter(wanted).values("id", "version", "body")
    }
    return {
        resolution.pk: bodies.get((resolution.provision_id, resolution.base_version), "")
        for resolution in resolutions
    }


def resolution_diff(base_body: str, resolution: Resolution) -> list[diff.DiffOp]:
    """Word diff from the text the resolution was proposed on to the text it makes."""
    return diff.diff_text(base_body, resolution.body)


@dataclass(frozen=True)
class ResolutionRow:
    """A pending resolution as the provision page shows it to one actor."""

    resolution: Resolution
    answers: list[ResolutionAnswer]
    ops: list[diff.DiffOp]
    answers_for: Party | None  # the actor's own party, when it may consent or decline now
    own_answer: str | None  # that party's answer so far (a consent may still become a decline)
    on_behalf: list[Party]  # for the secretariat: concerned parties yet to answer
    may_withdraw: bool


def resolution_rows_for(actor: Actor, provision: Provision) -> list[ResolutionRow]:
    """The provision's pending resolutions with who has answered, the diff, and what the actor may
    do. Mirrors the rules of `negotiations.services`, which checks them again on every answer."""
    pending = list(
        resolution_list_for(actor).filter(provision=provision, state=Resolution.State.PENDING)
    )
    if not pending:
        return []
    bodies = resolution_base_bodies(pending)
    chair = actor.is_chair
    speaks = (
        not chair
        and actor.role in {Role.LEAD, Role.NEGOTIATOR}
        and Participation.objects.filter(
            agreement_id=provision.agreement_id,
            party_id=actor.party_id,
            standing=Participation.Standing.PARTICIPANT,
        ).exists()
    )
    rows = []
    for resolution in pending:
        answers = resolution_answers(resolution)
        own = next((a for a in answers if speaks and a.party.pk == actor.party_id), None)
        rows.append(
            ResolutionRow(
                resolution=resolution,
                answers=answers,
                ops=resolution_diff(bodies[resolution.pk], resolution),
                answers_for=own.party
                if own is not None and own.answer != Consent.Answer.DECLINE
                else None,
                own_answer=own.answer if own is not None else None,
                on_behalf=[a.party for a in answers if a.answer is None] if chair else [],
                may_withdraw=chair
                if resolution.party_id is None
                else speaks and actor.acts_for(resolution.party_id),
            )
        )
    return rows


# --- Proposals: a draft is its delegation's alone ---------------------------------------------


def proposal_list_for(actor: Actor) -> QuerySet[Proposal]:
    """Proposals in the actor's agreements: every tabled one (and what became of it), plus the
    actor's own delegation's drafts and drafts it withdrew unseen. The secretariat, which never
    sees delegation-only material, sees no draft."""
    visible = Q(tabled_at__isnull=False)
    if actor.sees_delegation_material_of(actor.party_id):
        visible |= Q(party_id=actor.party_id)
    return (
        Proposal.objects.filter(agreement__in=agreement_list_for(actor))
        .filter(visible)
        .select_related("agreement", "provision", "party", "author", "chapter")
    )


def proposal_base_body(proposal: Proposal) -> str | None:
    """The text of the version the proposal was written against ("" for a new provision, whose
    base is no text); None when the provision has no such version."""
    if proposal.provision_id is None or not proposal.base_version:
        return ""
    record = (
        HistoricalProvision.objects.filter(id=proposal.provision_id, version=proposal.base_version)
        .order_by("-history_id")
        .only("body")
        .first()
    )
    return None if record is None else record.body


def _pending_acceptance(proposal: Proposal) -> Resolution | None:
    return proposal.resolutions.filter(state=Resolution.State.PENDING).first()


def proposal_actions(actor: Actor, proposal: Proposal) -> frozenset[str]:
    """The steps the actor may take on the proposal now: edit, table, withdraw (the proposing
    delegation's lead or negotiators), incorporate and reject (the secretariat), accept (either).
    Mirrors `negotiations.services`, which checks every step again."""
    chair = actor.is_chair
    delegation = (
        not chair
        and actor.role in {Role.LEAD, Role.NEGOTIATOR}
        and actor.acts_for(proposal.party_id)
    )
    state = proposal.state
    steps: set[str] = set()
    if delegation and state == Proposal.State.DRAFT:
        steps |= {"edit", "table", "withdraw"}
    if state == Proposal.State.TABLED:
        pending = _pending_acceptance(proposal) is not None
        if chair:
            steps.add("incorporate")
        if chair and not pending:
            steps.add("reject")
        if delegation and not pending:
            steps.add("withdraw")
        text_current = proposal.provision_id is not None and proposal.provision.text_version <= (
            proposal.base_version or 0
        )
        if (chair or delegation) and text_current and not pending:
            steps.add("accept")
    return frozenset(steps)


@dataclass(frozen=True)
class ProposalView:
    """A proposal as its page and the API show it: the diff from its base and from the current
    text, whether the base is stale, and what incorporating it now would apply and skip."""

    proposal: Proposal
    base_body: str | None  # None: the base version is missing
    current_body: str | None  # None: a new provision not yet incorporated
    ops_base: list[diff.DiffOp]
    ops_current: list[diff.DiffOp]
    base_is_stale: bool
    preview: IncorporationResult | None  # for a tabled or draft proposal on an existing provision
    actions: frozenset[str]
    pending_resolution: Resolution | None

    @property
    def stale_notice(self) -> bool:
        """Whether to say the text changed since the base: while the proposal is still open."""
        open_states = {Proposal.State.DRAFT, Proposal.State.TABLED}
        return self.base_is_stale and self.proposal.state in open_states


def proposal_view(actor: Actor, proposal: Proposal) -> ProposalView:
    base = proposal_base_body(proposal)
    current = proposal.provision.body if proposal.provision_id else None
    open_states = {Proposal.State.DRAFT, Proposal.State.TABLED}
    preview = None
    if (
        proposal.state in open_states
        and proposal.provision_id is not None
        and base is not None
        and current is not None
    ):
        try:
            preview = incorporate(base, proposal.body, current, proposal.party.code)
        except UnreadableText:
            preview = None
    return ProposalView(
        proposal=proposal,
        base_body=base,
        current_body=current,
        ops_base=diff.diff_text(base or "", proposal.body),
        ops_current=diff.diff_text(current, proposal.body) if current is not None else [],
        # A proposal that became a new provision (base 0) has no base to go stale.
        base_is_stale=bool(proposal.base_version)
        and base is not None
        and current is not None
        and base != current,
        preview=preview,
        actions=proposal_actions(actor, proposal),
        pending_resolution=_pending_acceptance(proposal)
        if proposal.state == Proposal.State.TABLED
        else None,
    )


def proposal_history_for(actor: Actor, proposal: Proposal) -> list:
    """The proposal's history rows, newest first; its drafting stays with its delegation."""
    rows = proposal.history.select_related("history_user").order_by("-history_id")
    if not actor.sees_delegation_material_of(proposal.party_id):
        rows = rows.exclude(state=Proposal.State.DRAFT)
    return list(rows)
