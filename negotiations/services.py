"""Every write to rounds, positions, comments and action items."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from agreement.models import Agreement
from agreement.services import agreement_require_participant
from parties.access import Actor, Capability, require
from parties.models import Membership, Party
from provisions.models import Provision

from .models import ActionItem, Comment, Notification, Position, Round, Visibility, Watch
from .notifications import Event, notification_publish
from .selectors import notification_list_for

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
    if round_.is_closed:
        raise ValidationError(
            f"Round {round_.number} is closed: its number and dates are part of the record "
            "that 'the text as of this round' refers to."
        )
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
    note: str | None = None,
    internal_note: str | None = None,
    reason: str = "",
) -> Position:
    """A party's lead records (or changes) its stance on a provision; each change is kept in history.

    Notes not given are kept: a POST that changes only the stance never wipes a note.
    """
    require(actor, Capability.RECORD_POSITION, for_party=party)
    agreement_require_participant(actor, provision.agreement, to_write=True)
    if stance not in Position.Stance.values:
        raise ValidationError(
            {"stance": f"Unknown stance '{stance}'; valid: {', '.join(Position.Stance.values)}."}
        )
    position = Position.objects.select_for_update().filter(
        provision=provision, party=party
    ).first() or Position(provision=provision, party=party)
    # A note left out (None) stays as it was; an empty string clears it.
    note = position.note if note is None else note
    internal_note = position.internal_note if internal_note is None else internal_note
    shared_change = position.pk is None or (position.stance, position.note) != (stance, note)
    internal_change = position.internal_note != internal_note
    position.stance, position.note, position.internal_note = stance, note, internal_note
    position.full_clean()
    position._history_user = actor.user
    position._change_reason = (
        reason or f"{party.code} position: {Position.Stance(stance).label.lower()}"
    )
    position.save()
    if shared_change or internal_change:
        summary = (
            f"{party.code} position on Article {provision.number}: {position.get_stance_display()}"
        )
        notification_publish(
            Event(
                kind=Notification.Kind.POSITION_CHANGED,
                agreement=provision.agreement,
                provision=provision,
                actor=actor,
                # The internal note never goes into a message; a change to it alone is told to
                # the delegation only.
                message=f"{summary} — {note}" if note else summary,
                delegation=None if shared_change else party,
            )
        )
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
    notification_publish(
        Event(
            kind=Notification.Kind.COMMENT_ADDED,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"Comment on Article {provision.number}: {body[:300]}",
            delegation=actor.party if visibility == Visibility.DELEGATION else None,
        )
    )
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
    _tell_assignee(actor, item)
    return item


def _tell_assignee(actor: Actor, item: ActionItem) -> None:
    if item.assignee_id is None:
        return
    due = f" (due {item.due_on:%d %b %Y})" if item.due_on else ""
    notification_publish(
        Event(
            kind=Notification.Kind.ACTION_ASSIGNED,
            agreement=item.agreement,
            provision=item.provision,
            actor=actor,
            message=f"Action item for you: {item.title}{due}",
            also_notify=(item.assignee_id,),
        )
    )


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
    previous_assignee = item.assignee_id
    for field, value in changes.items():
        setattr(item, field, value)
    _check_action_item_links(item)
    item.full_clean()
    item.save()
    if item.assignee_id != previous_assignee:
        _tell_assignee(actor, item)
    return item


@transaction.atomic
def action_item_may_set_done(actor: Actor, item: ActionItem) -> bool:
    """The assignee, the owner party's lead or the secretariat may tick an item off or reopen it."""
    return item.assignee_id == actor.user.pk or (
        actor.can(Capability.MANAGE_ACTIONS)
        and (actor.is_secretariat or actor.acts_for(item.owner_party_id))
    )


def action_item_require_may_set_done(actor: Actor, item: ActionItem) -> None:
    if not action_item_may_set_done(actor, item):
        raise PermissionDenied(
            f"Only the assignee or {item.owner_party.code}'s lead can change this item."
        )


def action_item_set_done(*, actor: Actor, item: ActionItem, done: bool) -> ActionItem:
    """Tick an item off (or reopen it), for those `action_item_may_set_done` allows."""
    action_item_require_may_set_done(actor, item)
    item.done = done
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    return item


def action_item_send_reminders(today: datetime.date | None = None) -> int:
    """E-mail the assignee (or the owner party's leads) of each open item due within two days.

    At most one reminder per item per day, however often it runs.
    """
    today = today or timezone.localdate()
    due = (
        ActionItem.objects.filter(done=False, due_on__lte=today + datetime.timedelta(days=2))
        .exclude(reminded_on=today)
        .select_related("assignee", "owner_party")
    )
    sent = 0
    for item in due:
        if item.assignee is not None:
            recipients = [item.assignee.email]
        else:
            recipients = list(
                Membership.objects.filter(
                    party=item.owner_party, role=Membership.Role.LEAD
                ).values_list("user__email", flat=True)
            )
        recipients = [address for address in recipients if address]
        when = "overdue since" if item.due_on < today else "due"
        if recipients:
            send_mail(
                f"Reminder: {item.title} ({when} {item.due_on:%d %b %Y})",
                f"{item.owner_party.code} action item: {item.title}\n{item.description}\n\n"
                f"{settings.SITE_URL.rstrip('/')}/action-items/\n",
                None,
                recipients,
            )
            sent += 1
        ActionItem.objects.filter(pk=item.pk).update(reminded_on=today)
    return sent


@transaction.atomic
def watch_create(*, actor: Actor, agreement=None, chapter=None, provision=None) -> Watch:
    """Follow one provision, chapter or agreement the actor can read (watching twice is harmless)."""
    targets = [target for target in (provision, chapter, agreement) if target is not None]
    if len(targets) != 1:
        raise ValidationError("Name exactly one provision, chapter or agreement to watch.")
    target = targets[0]
    agreement_require_participant(
        actor, target if isinstance(target, Agreement) else target.agreement, to_write=False
    )
    watch, _ = Watch.objects.get_or_create(
        user=actor.user, provision=provision, chapter=chapter, agreement=agreement
    )
    return watch


@transaction.atomic
def watch_delete(*, actor: Actor, watch: Watch) -> None:
    if watch.user_id != actor.user.pk:
        raise PermissionDenied("You can only stop your own watches.")
    watch.delete()


def notification_mark_read(*, actor: Actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read: the ones named, or all of them."""
    unread = notification_list_for(actor).filter(read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
