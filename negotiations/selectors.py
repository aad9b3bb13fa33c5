"""Reads of rounds, positions, comments and action items, with delegation-only material filtered."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from agreement.models import Agreement
from agreement.selectors import agreement_list_for
from parties.access import Actor
from parties.models import Party
from provisions.models import Provision

from .models import ActionItem, Comment, Notification, Position, Round, Watch


def round_list_for(actor: Actor) -> QuerySet[Round]:
    return Round.objects.filter(agreement__in=agreement_list_for(actor)).select_related("agreement")


def position_list_for(actor: Actor) -> QuerySet[Position]:
    return Position.objects.filter(
        provision__agreement__in=agreement_list_for(actor)
    ).select_related("party", "provision")


def comment_list_for(actor: Actor) -> QuerySet[Comment]:
    """Shared comments, plus the actor's own delegation's internal ones; never another party's."""
    return (
        Comment.objects.filter(provision__agreement__in=agreement_list_for(actor))
        .visible_to_party(
            actor.party_id,
            sees_delegation_material=actor.sees_delegation_material_of(actor.party_id),
        )
        .select_related("author", "party", "provision")
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


@dataclass(frozen=True)
class PositionsMatrix:
    parties: list[Party]
    rows: list[MatrixRow]


def positions_matrix(agreement: Agreement) -> PositionsMatrix:
    """Provision × party stances (shared fields only), in reading order; three queries."""
    parties = [
        p.party for p in agreement.participations.select_related("party").order_by("party__code")
    ]
    provisions = list(
        agreement.provisions.exclude(status="withdrawn")
        .in_reading_order()
        .select_related("chapter")
    )
    positions = {
        (position.provision_id, position.party_id): position
        for position in Position.objects.filter(provision__agreement=agreement).only(
            "provision_id", "party_id", "stance", "note", "updated_at"
        )
    }
    return PositionsMatrix(
        parties=parties,
        rows=[
            MatrixRow(provision=p, cells=[positions.get((p.pk, party.pk)) for party in parties])
            for p in provisions
        ],
    )


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
