"""Every write to rounds, positions, comments and action items."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agreement.models import Agreement
from agreement.services import agreement_require_participant
from parties.access import Actor, Capability, require
from parties.models import Membership, Party
from provisions.models import Provision

from .models import ActionItem, Comment, Position, Round, Visibility

User = get_user_model()


@transaction.atomic
def round_create(
    *,
    actor: Actor,
    agreement: Agreement,
    number: int,
    venue: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> Round:
    """Leads and the secretariat schedule rounds."""
    require(actor, Capability.MANAGE_ROUNDS)
    agreement_require_participant(actor, agreement, to_write=True)
    round_ = Round(
        agreement=agreement, number=number, venue=venue, starts_on=starts_on, ends_on=ends_on
    )
    round_.full_clean()
    round_.save()
    return round_


@transaction.atomic
def round_update(*, actor: Actor, round_: Round, **changes) -> Round:
    if unknown := changes.keys() - {"number", "venue", "starts_on", "ends_on"}:
        raise TypeError(f"round_update cannot change {sorted(unknown)}")
    require(actor, Capability.MANAGE_ROUNDS)
    agreement_require_participant(actor, round_.agreement, to_write=True)
    for field, value in changes.items():
        setattr(round_, field, value)
    round_.full_clean()
    round_.save()
    return round_


class RoundAlreadyClosed(Exception):
    def __init__(self, round_: Round):
        self.round = round_
        super().__init__(
            f"Round {round_.number} was closed at {round_.closed_at:%Y-%m-%d %H:%M} UTC."
        )


@transaction.atomic
def round_close(*, actor: Actor, round_: Round) -> Round:
    """Closing fixes the moment the round's text is read from; a closed round stays closed."""
    require(actor, Capability.MANAGE_ROUNDS)
    agreement_require_participant(actor, round_.agreement, to_write=True)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.is_closed:
        raise RoundAlreadyClosed(round_)
    round_.closed_at = timezone.now()
    round_.save(update_fields=["closed_at"])
    return round_


@transaction.atomic
def position_record(
    *,
    actor: Actor,
    provision: Provision,
    party: Party,
    stance: str,
    note: str = "",
    internal_note: str = "",
    reason: str = "",
) -> Position:
    """A party's lead records (or changes) its stance on a provision; each change is kept in history."""
    require(actor, Capability.RECORD_POSITION, for_party=party)
    agreement_require_participant(actor, provision.agreement, to_write=True)
    if stance not in Position.Stance.values:
        raise ValidationError(
            {"stance": f"Unknown stance '{stance}'; valid: {', '.join(Position.Stance.values)}."}
        )
    position = Position.objects.select_for_update().filter(
        provision=provision, party=party
    ).first() or Position(provision=provision, party=party)
    position.stance, position.note, position.internal_note = stance, note, internal_note
    position.full_clean()
    position._history_user = actor.user
    position._change_reason = (
        reason or f"{party.code} position: {Position.Stance(stance).label.lower()}"
    )
    position.save()
    return position


@transaction.atomic
def comment_create(
    *,
    actor: Actor,
    provision: Provision,
    body: str,
    visibility: str = Visibility.SHARED,
    provision_version: int | None = None,
) -> Comment:
    """Reviewers and up comment; delegation-only comments need a delegation to stay within."""
    require(actor, Capability.COMMENT)
    agreement_require_participant(actor, provision.agreement, to_write=False)
    if visibility == Visibility.DELEGATION and actor.party is None:
        raise ValidationError(
            {"visibility": "The secretariat has no delegation; comment as shared."}
        )
    if provision_version is not None and not 1 <= provision_version <= provision.version:
        raise ValidationError(
            {
                "provision_version": f"Provision {provision.number} has versions 1 to {provision.version}."
            }
        )
    comment = Comment(
        provision=provision,
        provision_version=provision_version,
        author=actor.user,
        party=actor.party,
        visibility=visibility,
        body=body,
    )
    comment.full_clean()
    comment.save()
    return comment


def _require_author(actor: Actor, comment: Comment) -> None:
    if comment.author_id != actor.user.pk:
        raise PermissionDenied("Only the author may change or delete a comment.")


@transaction.atomic
def comment_update(
    *, actor: Actor, comment: Comment, body: str | None = None, visibility: str | None = None
) -> Comment:
    _require_author(actor, comment)
    require(actor, Capability.COMMENT)
    if body is not None:
        comment.body = body
    if visibility is not None:
        if visibility == Visibility.DELEGATION and comment.party_id is None:
            raise ValidationError(
                {"visibility": "The secretariat has no delegation; comment as shared."}
            )
        comment.visibility = visibility
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_delete(*, actor: Actor, comment: Comment) -> None:
    _require_author(actor, comment)
    comment.delete()


def _check_action_item_links(item: ActionItem) -> None:
    errors = {}
    if (
        item.assignee_id
        and not Membership.objects.filter(
            user_id=item.assignee_id, party_id=item.owner_party_id
        ).exists()
    ):
        errors["assignee"] = "The assignee must belong to the owner party's delegation."
    if item.provision_id and item.provision.agreement_id != item.agreement_id:
        errors["provision"] = "This provision belongs to another agreement."
    if item.round_id and item.round.agreement_id != item.agreement_id:
        errors["round"] = "This round belongs to another agreement."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_item_create(
    *,
    actor: Actor,
    agreement: Agreement,
    title: str,
    owner_party: Party,
    description: str = "",
    assignee=None,
    due_on: datetime.date | None = None,
    provision: Provision | None = None,
    round: Round | None = None,
) -> ActionItem:
    """A lead sets tasks for their own delegation; the secretariat for any. Past due dates are allowed."""
    require(actor, Capability.MANAGE_ACTIONS, for_party=owner_party)
    agreement_require_participant(actor, agreement, to_write=False)
    item = ActionItem(
        agreement=agreement,
        title=title,
        description=description,
        owner_party=owner_party,
        assignee=assignee,
        due_on=due_on,
        provision=provision,
        round=round,
        created_by=actor.user,
    )
    _check_action_item_links(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_update(*, actor: Actor, item: ActionItem, **changes) -> ActionItem:
    if unknown := changes.keys() - {
        "title",
        "description",
        "assignee",
        "due_on",
        "provision",
        "round",
    }:
        raise TypeError(f"action_item_update cannot change {sorted(unknown)}")
    require(actor, Capability.MANAGE_ACTIONS, for_party=item.owner_party)
    for field, value in changes.items():
        setattr(item, field, value)
    _check_action_item_links(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_set_done(*, actor: Actor, item: ActionItem, done: bool) -> ActionItem:
    """The assignee, the owner party's lead or the secretariat ticks an item off (or reopens it)."""
    if item.assignee_id != actor.user.pk:
        require(actor, Capability.MANAGE_ACTIONS, for_party=item.owner_party)
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item
