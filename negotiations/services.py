"""Every write to rounds, positions, comments, action items, resolutions and proposals."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from agreement.models import Agreement, Chapter, Participation
from agreement.services import agreement_require_participant
from parties.access import Actor, Capability, Role, require
from parties.audit import audit_record
from parties.models import AuditEntry, Membership, Party
from provisions import ownership
from provisions.incorporate import incorporate
from provisions.models import TEXT_FROZEN_STATUSES, Provision
from provisions.models import Category as ProvisionCategory
from provisions.models import Status as ProvisionStatus
from provisions.services import (
    VersionConflict,
    provision_check_ownership,
    provision_create,
    provision_text_check,
    provision_write_outcome,
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
    Visibility,
    Watch,
)
from .notifications import Event, notification_publish
from .selectors import notification_list_for, proposal_base_body
from .staleness import resolution_set_stale

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


class StaleConsent(VersionConflict):
    """An `agree` sent for a text that has changed since the version the caller read."""

    def __init__(self, *, current: Provision, expected_version: int):
        super().__init__(current=current, expected_version=expected_version)
        self.args = (
            f"Article {current.number}'s text changed in version {current.text_version}, after "
            f"the version {expected_version} you agree to: read the current text (version "
            f"{current.version}) and agree again.",
        )


def _check_agree(*, provision: Provision, party: Party, seen_version: int | None) -> None:
    """An `agree` is given on a text the caller read (still the current one), by a participant,
    on a provision that can be agreed at all."""
    if seen_version is None:
        raise ValidationError(
            {
                "version": f"Send the version of Article {provision.number} you agree to "
                "(If-Match or a `version` field): consent is given on a text."
            }
        )
    if not 1 <= seen_version <= provision.version:
        raise ValidationError(
            {"version": f"Article {provision.number} has versions 1 to {provision.version}."}
        )
    standing = (
        Participation.objects.filter(agreement_id=provision.agreement_id, party=party)
        .values_list("standing", flat=True)
        .first()
    )
    if standing != Participation.Standing.PARTICIPANT:
        raise PermissionDenied(
            f"{party.code} observes this agreement: observers neither agree nor block agreement."
            if standing
            else f"{party.code} does not take part in this agreement."
        )
    if provision.status == ProvisionStatus.WITHDRAWN:
        raise ValidationError(
            {"stance": f"Article {provision.number} is withdrawn: there is no text to agree."}
        )
    if provision.bracket_count:
        raise ValidationError(
            {
                "stance": f"Article {provision.number} still holds {provision.bracket_count} "
                "bracketed passage(s): it cannot be agreed while it holds brackets."
            }
        )
    if provision.text_version > seen_version:
        raise StaleConsent(current=provision, expected_version=seen_version)


def _shared_part(position: Position) -> tuple:
    """What all participants see of a position; an `agree` includes the version it is given on."""
    agreed_on = position.provision_version if position.stance == Position.Stance.AGREE else None
    return (position.stance, position.note, agreed_on, position.meeting)


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
    seen_version: int | None = None,
    meeting: str = "",
) -> Position:
    """A party's lead records (or changes) its stance on a provision; each change is kept in history.

    Every stance is bound to the provision's version when recorded. `agree` is consent to agree
    the text: the caller sends the version it read (`seen_version`; StaleConsent if the text
    changed since), the text holds no brackets, and the party participates (observers never
    agree). It counts only while the text stays as it was (`provisions.selectors.agree_state`).
    The secretariat records no position, but may record a party's `agree` given in the room,
    naming the `meeting`.

    Notes not given are kept: a POST that changes only the stance never wipes a note.
    """
    in_room = actor.is_chair
    if in_room:
        if stance != Position.Stance.AGREE:
            raise PermissionDenied(
                "The secretariat records no positions; it records only a party's agreement "
                "given in the room (stance agree), naming the meeting."
            )
        meeting = meeting.strip()
        if not meeting:
            raise ValidationError(
                {
                    "meeting": f"Name the meeting where {party.code} agreed (e.g. 'Round 3 "
                    "plenary, Brussels'): the secretariat records consent given in the room."
                }
            )
    else:
        require(actor, Capability.RECORD_POSITION, for_party=party)
        if meeting.strip():
            raise ValidationError(
                {"meeting": "Only the secretariat records consent given in the room."}
            )
    agreement_require_participant(actor, provision.agreement, to_write=True)
    if stance not in Position.Stance.values:
        raise ValidationError(
            {"stance": f"Unknown stance '{stance}'; valid: {', '.join(Position.Stance.values)}."}
        )
    # The provision's row is the lock: positions on one provision are recorded one at a time, so
    # two first positions of a party cannot both insert (the second would break the
    # one-per-party constraint, or fail `full_clean` as "already exists"): the later one waits,
    # then finds the row the earlier one wrote and replaces it. Locked after the reads above and
    # before the position, the order every step on a provision takes. Read afresh under the lock:
    # the stance is bound to the version stored now, not the one the caller holds.
    current = Provision.objects.select_for_update().get(pk=provision.pk)
    agree = stance == Position.Stance.AGREE
    if agree:
        _check_agree(provision=current, party=party, seen_version=seen_version)
    elif seen_version is not None and not 1 <= seen_version <= current.version:
        raise ValidationError(
            {"version": f"Article {current.number} has versions 1 to {current.version}."}
        )
    position = Position.objects.select_for_update().filter(
        provision=provision, party=party
    ).first() or Position(provision=provision, party=party)
    # A note left out (None) stays as it was; an empty string clears it.
    note = position.note if note is None else note
    internal_note = position.internal_note if internal_note is None else internal_note
    shared_before = _shared_part(position) if position.pk else None
    internal_change = position.internal_note != internal_note
    # Editing only the notes of a stance keeps the version it was given on: a note saved on a
    # changed text must not renew an `agree` given on the old one. The same stance sent again
    # with the same notes gives it anew, on the current version.
    notes_only = (
        position.pk is not None
        and position.stance == stance
        and (position.note, position.internal_note) != (note, internal_note)
    )
    position.stance, position.note, position.internal_note = stance, note, internal_note
    if not notes_only:
        position.provision_version, position.meeting = current.version, meeting if in_room else ""
    shared_change = shared_before != _shared_part(position)
    position.full_clean()
    position._history_user = actor.user
    if in_room:
        recorded = (
            f"{party.code} agreed version {current.version} in the room: {meeting} "
            "(recorded by the secretariat)"
        )
        position._change_reason = f"{reason} ({recorded})" if reason else recorded
    elif agree:
        position._change_reason = (
            reason or f"{party.code} position: agree (version {current.version})"
        )
    else:
        position._change_reason = (
            reason or f"{party.code} position: {Position.Stance(stance).label.lower()}"
        )
    position.save()
    if shared_change or internal_change:
        summary = (
            f"{party.code} position on Article {provision.number}: {position.get_stance_display()}"
        )
        if agree:
            summary += f" (version {current.version}"
            summary += f", given in the room: {meeting})" if in_room else ")"
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
    """Reviewers and up comment; delegation-only comments need a delegation to stay within.

    The audience chosen here is the comment's for good: `comment_update` changes only the words.
    """
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
    comment._history_user = actor.user
    comment._change_reason = "Comment posted"
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


def _comment_locked(comment: Comment) -> Comment:
    """The comment's row, locked, refused once removed: a removed comment is not edited again."""
    locked = (
        Comment.objects.select_for_update(of=("self",))
        .select_related("provision")
        .get(pk=comment.pk)
    )
    if locked.is_deleted:
        raise ValidationError(
            f"Comment #{locked.pk} on Article {locked.provision.number} was removed: it can no "
            "longer be changed."
        )
    return locked


def _comment_audit_detail(comment: Comment) -> str:
    """Where, never what: the audit log is read by the secretariat, which must not read a
    delegation-only comment's words (the comment's own history keeps them for its readers)."""
    audience = "delegation-only" if comment.visibility == Visibility.DELEGATION else "shared"
    return f"Comment #{comment.pk} ({audience}) on Article {comment.provision.number}"


@transaction.atomic
def comment_update(*, actor: Actor, comment: Comment, body: str, request=None) -> Comment:
    """Only the author rewords a comment; the earlier words stay in its history, the edit is
    audited. Its audience is fixed when it is written (a shared comment turned delegation-only
    would hide what others read; the other way would leak)."""
    if comment.author_id != actor.user.pk:
        raise PermissionDenied("Only the author may edit a comment.")
    require(actor, Capability.COMMENT)
    comment = _comment_locked(comment)
    if comment.body == body:
        return comment
    comment.body = body
    comment.full_clean()
    comment._history_user = actor.user
    comment._change_reason = "Comment edited"
    comment.save()
    audit_record(
        AuditEntry.Kind.COMMENT_EDITED,
        actor=actor.user,
        subject=comment.author,
        request=request,
        detail=_comment_audit_detail(comment),
    )
    return comment


@transaction.atomic
def comment_delete(*, actor: Actor, comment: Comment, request=None) -> Comment:
    """The author removes their comment, or the secretariat (the chair) removes a shared one
    from the record it moderates. Removing hides the comment from everyone; the row and its
    history stay, and the removal is audited."""
    if comment.author_id != actor.user.pk:
        if not (actor.is_chair and comment.visibility == Visibility.SHARED):
            raise PermissionDenied(
                "Only the author, or the secretariat for a shared comment, may remove a comment."
            )
    else:
        require(actor, Capability.COMMENT)
    comment = _comment_locked(comment)
    comment.deleted_at, comment.deleted_by = timezone.now(), actor.user
    comment._history_user = actor.user
    comment._change_reason = (
        "Comment removed by its author"
        if comment.author_id == actor.user.pk
        else "Comment removed by the secretariat"
    )
    comment.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(
        AuditEntry.Kind.COMMENT_DELETED,
        actor=actor.user,
        subject=comment.author,
        request=request,
        detail=_comment_audit_detail(comment),
    )
    return comment


def action_item_assignee_refusal(party: Party, username: str) -> str:
    """The one answer for an assignee outside the owner party's delegation. It is the same
    whether or not anyone has that username, so that it tells no one which usernames exist."""
    return f"No member of {party.code}'s delegation is called “{username}”."


def _check_action_item_links(item: ActionItem) -> None:
    errors = {}
    if (
        item.assignee_id
        and not Membership.objects.filter(
            user_id=item.assignee_id, party_id=item.owner_party_id
        ).exists()
    ):
        errors["assignee"] = action_item_assignee_refusal(
            item.owner_party, item.assignee.get_username()
        )
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


# ================================================================================================
# Resolutions: removing brackets by consent.
#
# A resolution says "this provision's text, at version N, becomes this text" and may only remove
# brackets (choose among alternatives, make bracketed language common). It takes effect when every
# party concerned has consented on version N; its adoption is one new version whose history names
# the resolution and each consent. Proposals are accepted by consensus through it too
# (`proposal=`): see `resolution_propose`.
# ================================================================================================


class ResolutionConflict(Exception):
    """A resolution step that does not fit the text or the resolution as they now stand (409)."""

    def __init__(self, message: str, *, provision: Provision, resolution: Resolution | None = None):
        self.provision = provision
        self.resolution = resolution
        super().__init__(message)

    @property
    def current_version(self) -> int:
        return self.provision.version


class WordingChange(ValidationError):
    """A resolution that does more than remove brackets: a change of words needs a proposal."""

    def __init__(self, changes: Iterable[ownership.Change]):
        self.changes = list(changes)
        where = "; ".join(f"line {c.line}, column {c.column}: {c.message}" for c in self.changes)
        super().__init__(
            {
                "body": "That is a change of wording, not only removing brackets "
                f"({where}): submit a proposal."
            }
        )

    @property
    def extra_detail(self) -> dict:
        return {"negotiation_rules": [change.as_dict() for change in self.changes]}


def _participant_parties(agreement: Agreement) -> list[Party]:
    """The parties with participant standing, by code: observers never consent."""
    return list(
        Party.objects.filter(
            participations__agreement=agreement,
            participations__standing=Participation.Standing.PARTICIPANT,
        ).order_by("code")
    )


def _resolution_text_changed(resolution: Resolution, provision: Provision) -> bool:
    """Whether the provision's text is no longer the one the resolution was proposed on."""
    if provision.text_version > resolution.base_version:
        return True
    base = provision.history.filter(version=resolution.base_version).only("body").first()
    return base is not None and base.body != provision.body


def _check_proposal_acceptance(*, proposal: Proposal, provision: Provision, body: str) -> None:
    """A tabled proposal for this provision, written on the text as it stands, whose text is `body`.

    The proposals service (`proposal_accept`) puts a proposal to the parties by calling
    `resolution_propose(..., body=proposal.body, proposal=proposal)`; adopting the resolution
    marks the proposal accepted. A proposal written on an older text is incorporated instead, or
    tabled again against the current text: parties consent to one exact text.
    """
    if proposal.provision_id != provision.pk:
        raise ValidationError({"proposal": f"Proposal #{proposal.pk} is not for this provision."})
    if proposal.state != Proposal.State.TABLED:
        raise ValidationError(
            {
                "proposal": f"Proposal #{proposal.pk} is {proposal.get_state_display().lower()}; "
                "only a tabled proposal can be accepted."
            }
        )
    if provision.text_version > (proposal.base_version or 0):
        raise ResolutionConflict(
            f"Proposal #{proposal.pk} was written on version {proposal.base_version}; the text "
            f"has changed since (version {provision.version}). Incorporate it, or table it again "
            "against the current text.",
            provision=provision,
        )
    if body != proposal.body:
        raise ValidationError(
            {"body": f"To accept proposal #{proposal.pk}, the text must be the proposal's text."}
        )
    pending = proposal.resolutions.filter(state=Resolution.State.PENDING).first()
    if pending is not None:
        raise ValidationError(
            {
                "proposal": f"Proposal #{proposal.pk} is already before the parties in resolution "
                f"#{pending.pk}."
            }
        )


@transaction.atomic
def resolution_propose(
    *,
    actor: Actor,
    provision: Provision,
    base_version: int,
    body: str,
    note: str = "",
    proposal: Proposal | None = None,
) -> Resolution:
    """Propose that the provision's text, at its current version, become `body`.

    A negotiator or lead proposes in their party's name, the secretariat as chair. The text may
    only remove brackets: a change of words is refused (submit a proposal), and a text that
    removes no brackets has nothing to resolve. The parties concerned are the sponsors of the
    groups removed or made common (every participant when an unattributed group is concerned;
    observers never consent); each is told its consent is asked for.

    With `proposal` (a tabled proposal written on the current text), the resolution puts that
    proposal to every participant for acceptance as common text: `body` must be its text.
    A `base_version` that is not the current version is a ResolutionConflict.
    """
    require(actor, Capability.EDIT_TEXT)
    agreement_require_participant(actor, provision.agreement, to_write=True)
    # Locked like a write: a text change cannot slip in between this check and the new row.
    provision = Provision.objects.select_for_update().get(pk=provision.pk)
    if base_version != provision.version:
        raise ResolutionConflict(
            f"Article {provision.number} is at version {provision.version}; your resolution was "
            f"written on version {base_version}. Resolutions are for the text as it stands: "
            "read it again and propose on the current version.",
            provision=provision,
        )
    if provision.status in TEXT_FROZEN_STATUSES:
        raise ValidationError(
            f"Article {provision.number} is {provision.get_status_display().lower()}: its text "
            "does not change."
        )
    provision_text_check(agreement=provision.agreement, body=body)
    participants = _participant_parties(provision.agreement)
    if proposal is not None:
        _check_proposal_acceptance(proposal=proposal, provision=provision, body=body)
        concerned = participants
    else:
        # Judged as a party's edit, the chair's too: a resolution only removes brackets, so
        # anything but a bracket removal (even a change the author could make directly) is
        # refused, and no rewording rides along with the consents.
        classification = ownership.classify(
            provision.body,
            body,
            party=None if actor.is_chair else actor.party.code,
            authority=ownership.Authority.PARTY,
        )
        if not classification.needs_consent:
            raise ValidationError({"body": "Nothing to resolve: the text removes no brackets."})
        if others := [
            change
            for change in classification.changes
            if change.verdict != ownership.Verdict.CONSENT
            and change.kind not in ownership.WITHDRAWALS
        ]:
            raise WordingChange(others)
        codes = classification.consent_parties()
        named = [party for party in participants if codes is None or party.code in codes]
        # Language only observers sponsor still needs someone's consent to go: every participant's.
        concerned = named or participants
    resolution = Resolution(
        provision=provision,
        base_version=provision.version,
        body=body,
        note=note,
        party=None if actor.is_chair else actor.party,
        author=actor.user,
        proposal=proposal,
    )
    resolution.full_clean()
    resolution.save()
    resolution.concerned.set(concerned)
    codes_text = ", ".join(party.code for party in concerned)
    what = f"accept proposal #{proposal.pk}" if proposal is not None else "remove brackets"
    notification_publish(
        Event(
            kind=Notification.Kind.RESOLUTION,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"{resolution.party.code if resolution.party else 'The chair'} proposes "
            f"resolution #{resolution.pk} to {what} in Article {provision.number} (version "
            f"{provision.version}); the consent of {codes_text} is asked for."
            + (f" Note: {note}" if note else ""),
            concerned_parties=tuple(party.pk for party in concerned),
        )
    )
    return resolution


@transaction.atomic
def _resolution_go_stale_if_changed(*, actor: Actor, resolution: Resolution) -> None:
    """Its own transaction: a resolution found stale stays marked when the answer is refused.

    Every text write marks pending resolutions stale as it happens (`resolution_mark_stale`);
    this also catches text that reached the database another way.
    """
    provision = Provision.objects.select_for_update().get(pk=resolution.provision_id)
    pending = Resolution.objects.select_for_update().filter(
        pk=resolution.pk, state=Resolution.State.PENDING
    )
    current = pending.first()
    if current is not None and _resolution_text_changed(current, provision):
        resolution_set_stale(actor=actor, resolution=current, provision=provision)


def _answering_party(
    *, actor: Actor, resolution: Resolution, party: Party | None, meeting: str
) -> Party:
    """The party whose answer is recorded: the actor's own, or (for the secretariat recording what
    was said in the room) the one it names, with the meeting."""
    if actor.is_chair:
        errors = {}
        if party is None:
            errors["party"] = "Name the party whose answer was given in the room."
        if not meeting.strip():
            errors["meeting"] = "Name the meeting in which the party gave its answer."
        if errors:
            raise ValidationError(errors)
        if not resolution.concerned.filter(pk=party.pk).exists():
            raise ValidationError(
                {"party": f"{party.code}'s consent is not asked for by this resolution."}
            )
        return party
    if actor.party is None or actor.role not in {Role.LEAD, Role.NEGOTIATOR}:
        raise PermissionDenied(
            f"A party's consent is given by its lead or a negotiator; your role "
            f"({actor.role or 'no delegation role'}) cannot give it."
        )
    agreement_require_participant(actor, resolution.provision.agreement, to_write=True)
    if party is not None and party.pk != actor.party_id:
        raise PermissionDenied(f"You answer for {actor.party.code} only, not for {party.code}.")
    if meeting:
        raise ValidationError(
            {
                "meeting": "Only the secretariat records answers given in the room; your "
                "delegation answers for itself."
            }
        )
    if not resolution.concerned.filter(pk=actor.party_id).exists():
        raise PermissionDenied(
            f"{actor.party.code}'s consent is not asked for by resolution #{resolution.pk}."
        )
    return actor.party


def _no_longer_pending(resolution: Resolution, provision: Provision) -> str:
    if resolution.state == Resolution.State.STALE:
        return (
            f"Resolution #{resolution.pk} is stale: the text of Article {provision.number} "
            f"changed after version {resolution.base_version} (it is now version "
            f"{provision.version}); propose a new resolution on the current text"
        )
    return f"Resolution #{resolution.pk} is {resolution.get_state_display().lower()}"


def _consent_label(consent: Consent) -> str:
    if consent.meeting:
        return f"{consent.party.code} (secretariat, in the room at {consent.meeting})"
    return f"{consent.party.code} ({consent.recorded_by.get_username()})"


@transaction.atomic
def _resolution_answer(
    *,
    actor: Actor,
    resolution: Resolution,
    answer: str,
    expected_version: int,
    party: Party | None,
    meeting: str,
) -> Resolution:
    # The provision first, as every text write locks it: then the resolution.
    provision = Provision.objects.select_for_update().get(pk=resolution.provision_id)
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("provision__agreement", "party")
        .get(pk=resolution.pk)
    )
    party = _answering_party(actor=actor, resolution=resolution, party=party, meeting=meeting)
    if resolution.state != Resolution.State.PENDING:
        raise ResolutionConflict(
            f"{_no_longer_pending(resolution, provision)}: it takes no more answers.",
            provision=provision,
            resolution=resolution,
        )
    if expected_version != resolution.base_version:
        raise ResolutionConflict(
            f"Resolution #{resolution.pk} is on version {resolution.base_version} of Article "
            f"{provision.number}; you answered on version {expected_version}. Read it again and "
            "answer on its version.",
            provision=provision,
            resolution=resolution,
        )
    existing = Consent.objects.filter(resolution=resolution, party=party).first()
    if existing is not None and (existing.answer == answer or answer == Consent.Answer.CONSENT):
        raise ResolutionConflict(
            f"{party.code} has already answered resolution #{resolution.pk}: "
            f"{existing.get_answer_display().lower()}.",
            provision=provision,
            resolution=resolution,
        )
    # A party that consented may still decline before the resolution takes effect: nothing is
    # agreed until every party concerned agrees.
    consent = existing or Consent(resolution=resolution, party=party)
    consent.answer, consent.recorded_by = answer, actor.user
    consent.meeting, consent.provision_version = meeting.strip(), resolution.base_version
    consent.full_clean()
    consent.save()
    if consent.meeting:
        # A party is always told when the chair records an answer in its name.
        notification_publish(
            Event(
                kind=Notification.Kind.CONSENT,
                agreement=provision.agreement,
                provision=provision,
                actor=actor,
                message=f"The secretariat recorded that {party.code} "
                f"{'consents' if answer == Consent.Answer.CONSENT else 'declines'} to resolution "
                f"#{resolution.pk} on Article {provision.number}, in the room at "
                f"{consent.meeting}.",
                concerned_parties=(party.pk,),
            )
        )
    concerned = list(resolution.concerned.order_by("code"))
    if answer == Consent.Answer.DECLINE:
        return _resolution_close(
            actor=actor,
            resolution=resolution,
            provision=provision,
            concerned=concerned,
            state=Resolution.State.DECLINED,
            message=f"{party.code} declined resolution #{resolution.pk} on Article "
            f"{provision.number}"
            + (f" (in the room at {consent.meeting})" if consent.meeting else "")
            + "; the text stays as it is.",
        )
    consents = {
        c.party_id: c
        for c in resolution.consents.filter(answer=Consent.Answer.CONSENT).select_related(
            "party", "recorded_by"
        )
    }
    if any(p.pk not in consents for p in concerned):
        return resolution
    return _resolution_adopt(
        actor=actor,
        resolution=resolution,
        provision=provision,
        concerned=concerned,
        consents=[consents[p.pk] for p in concerned],
    )


def _resolution_close(
    *,
    actor: Actor,
    resolution: Resolution,
    provision: Provision,
    concerned: list[Party],
    state: str,
    message: str,
) -> Resolution:
    resolution.state, resolution.decided_at = state, timezone.now()
    resolution.full_clean()
    resolution.save(update_fields=["state", "decided_at"])
    notification_publish(
        Event(
            kind=Notification.Kind.RESOLUTION,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=message,
            concerned_parties=tuple(party.pk for party in concerned),
        )
    )
    return resolution


def _resolution_adopt(
    *,
    actor: Actor,
    resolution: Resolution,
    provision: Provision,
    concerned: list[Party],
    consents: list[Consent],
) -> Resolution:
    """The last consent is in: the text becomes the resolution's, in this same transaction."""
    # Adopted before the text is written, so that the write's staleness sweep passes it over.
    resolution.state, resolution.decided_at = Resolution.State.ADOPTED, timezone.now()
    resolution.full_clean()
    resolution.save(update_fields=["state", "decided_at"])
    reason = f"Resolution #{resolution.pk} adopted: consent of " + ", ".join(
        _consent_label(consent) for consent in consents
    )
    provision = provision_write_outcome(
        actor=actor,
        provision=provision,
        expected_version=provision.version,
        body=resolution.body,
        reason=reason,
    )
    resolution.resulting_version = provision.version
    resolution.save(update_fields=["resulting_version"])
    if resolution.proposal_id is not None:
        proposal = Proposal.objects.select_for_update().get(pk=resolution.proposal_id)
        proposal.state = Proposal.State.ACCEPTED
        proposal.decided_at, proposal.resulting_version = resolution.decided_at, provision.version
        proposal.full_clean()
        proposal._history_user = actor.user
        proposal._change_reason = (
            f"Accepted by consensus: resolution #{resolution.pk}, version {provision.version}"
        )
        proposal.save()
    notification_publish(
        Event(
            kind=Notification.Kind.RESOLUTION,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"Resolution #{resolution.pk} adopted with the consent of "
            f"{', '.join(party.code for party in concerned)}: Article {provision.number} is now "
            f"version {provision.version}.",
            concerned_parties=tuple(party.pk for party in concerned),
        )
    )
    return resolution


def resolution_consent(
    *,
    actor: Actor,
    resolution: Resolution,
    expected_version: int,
    party: Party | None = None,
    meeting: str = "",
) -> Resolution:
    """Record a party's consent to a resolution, on the resolution's version.

    A party's lead or negotiator answers for that party, if its consent is asked for; the
    secretariat records consent given in the room on a party's behalf (`party`), naming the
    `meeting`. The text must still be the one the resolution was proposed on: otherwise the
    resolution is stale (and stays so) and the answer is a ResolutionConflict. When the last
    party concerned consents, the text becomes the resolution's in the same transaction, a new
    version whose history names the resolution and each consent.
    """
    # Who may answer first: a refused caller changes nothing, not even a stale mark.
    _answering_party(actor=actor, resolution=resolution, party=party, meeting=meeting)
    _resolution_go_stale_if_changed(actor=actor, resolution=resolution)
    return _resolution_answer(
        actor=actor,
        resolution=resolution,
        answer=Consent.Answer.CONSENT,
        expected_version=expected_version,
        party=party,
        meeting=meeting,
    )


def resolution_decline(
    *,
    actor: Actor,
    resolution: Resolution,
    expected_version: int,
    party: Party | None = None,
    meeting: str = "",
) -> Resolution:
    """Record a party's refusal: the resolution is declined and the text stays as it is.

    Who may answer, and on which version, as for `resolution_consent`; a party that had consented
    may still decline while the resolution is pending.
    """
    # Who may answer first: a refused caller changes nothing, not even a stale mark.
    _answering_party(actor=actor, resolution=resolution, party=party, meeting=meeting)
    _resolution_go_stale_if_changed(actor=actor, resolution=resolution)
    return _resolution_answer(
        actor=actor,
        resolution=resolution,
        answer=Consent.Answer.DECLINE,
        expected_version=expected_version,
        party=party,
        meeting=meeting,
    )


@transaction.atomic
def resolution_withdraw(*, actor: Actor, resolution: Resolution) -> Resolution:
    """The proposer withdraws a pending resolution: a lead or negotiator of the proposing party,
    or the secretariat for the chair's; the parties concerned are told."""
    provision = Provision.objects.select_for_update().get(pk=resolution.provision_id)
    resolution = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("party")
        .get(pk=resolution.pk)
    )
    if resolution.party_id is None:
        if not actor.is_chair:
            raise PermissionDenied("Only the secretariat withdraws the chair's resolution.")
    elif not (actor.acts_for(resolution.party_id) and actor.role in {Role.LEAD, Role.NEGOTIATOR}):
        raise PermissionDenied(
            f"Only {resolution.party.code}'s lead or negotiators withdraw its resolution."
        )
    if resolution.state != Resolution.State.PENDING:
        raise ResolutionConflict(
            f"{_no_longer_pending(resolution, provision)}: only a pending resolution can be "
            "withdrawn.",
            provision=provision,
            resolution=resolution,
        )
    return _resolution_close(
        actor=actor,
        resolution=resolution,
        provision=provision,
        concerned=list(resolution.concerned.order_by("code")),
        state=Resolution.State.WITHDRAWN,
        message=f"Resolution #{resolution.pk} on Article {provision.number} was withdrawn; "
        "your consent is no longer asked for.",
    )


# ================================================================================================
# Proposals: a party's proposed text, tabled to all, then incorporated, accepted, rejected or
# withdrawn.
#
# A proposal is written against a version of a provision (its base) or for a new provision. The
# proposing party's delegation (lead or negotiator) drafts, edits and tables it, and may withdraw
# it; a draft is its delegation's alone. The chair (the secretariat) incorporates a tabled proposal
# (the party's changes written in as its bracketed alternatives, `provisions.incorporate`) or
# rejects it. Acceptance as common text is by consensus: `proposal_accept` puts the proposal to
# every participant as a resolution (`resolution_propose(..., proposal=)`), and the resolution's
# adoption marks the proposal accepted (`_resolution_adopt`).
# ================================================================================================


class ProposalConflict(Exception):
    """A proposal step that does not fit the proposal's state or the text as it stands (409)."""

    def __init__(self, message: str, *, proposal: Proposal, skipped: Iterable = ()):
        self.proposal = proposal
        self.skipped = list(skipped)
        super().__init__(message)


PROPOSAL_NEW_PROVISION_FIELDS = ("chapter", "number", "heading", "category")
PROPOSAL_EDITABLE_FIELDS = frozenset({"body", "note", *PROPOSAL_NEW_PROVISION_FIELDS})


def proposal_label(proposal: Proposal) -> str:
    """How history and messages name a proposal: "US proposal #12"."""
    return f"{proposal.party.code} proposal #{proposal.pk}"


def proposal_target(proposal: Proposal) -> str:
    if proposal.provision_id is not None:
        return f"Article {proposal.provision.number}"
    return f"a new Article {proposal.number} ({proposal.heading})"


def _require_delegation(actor: Actor, party: Party | None, doing: str) -> None:
    """Proposals speak for a party: only its lead or negotiators draft, table or withdraw them."""
    if actor.is_chair:
        raise PermissionDenied(
            f"A party's lead or negotiators {doing} its proposals; the secretariat speaks for no "
            "party (it incorporates or rejects proposals once tabled)."
        )
    if actor.party is None or actor.role not in {Role.LEAD, Role.NEGOTIATOR}:
        raise PermissionDenied(
            f"A party's lead or negotiators {doing} its proposals; your role "
            f"({actor.role or 'no delegation role'}) cannot."
        )
    if party is not None and actor.party_id != party.pk:
        raise PermissionDenied(f"You speak for {actor.party.code}, not for {party.code}.")


def _require_chair(actor: Actor, doing: str) -> None:
    if not actor.is_chair:
        raise PermissionDenied(f"Only the secretariat, as chair, {doing} a tabled proposal.")


def _check_proposal(proposal: Proposal, actor: Actor) -> None:
    """The proposal's target and text are sound: an existing version, or the particulars of a
    new provision; text that parses and changes something; nothing frozen."""
    provision = proposal.provision
    if provision is not None:
        if provision.agreement_id != proposal.agreement_id:
            raise ValidationError({"provision": "This provision belongs to another agreement."})
        if provision.status in TEXT_FROZEN_STATUSES:
            raise ValidationError(
                {
                    "provision": f"Article {provision.number} is "
                    f"{provision.get_status_display().lower()}: its text does not change."
                }
            )
        base = None if proposal.base_version is None else proposal_base_body(proposal)
        if base is None:
            raise ValidationError(
                {
                    "base_version": f"Article {provision.number} has no version "
                    f"{proposal.base_version} (versions 1 to {provision.version}): a proposal is "
                    "written against a version that exists."
                }
            )
        provision_text_check(agreement=provision.agreement, body=proposal.body)
        if base == proposal.body:
            raise ValidationError(
                {
                    "body": f"The text is version {proposal.base_version} of Article "
                    f"{provision.number} as it was: the proposal changes nothing."
                }
            )
        return
    errors = {
        name: "Required for a proposed new provision."
        for name in PROPOSAL_NEW_PROVISION_FIELDS
        if not getattr(proposal, name if name != "chapter" else "chapter_id")
    }
    if proposal.category and proposal.category not in ProvisionCategory.values:
        errors["category"] = (
            f"Unknown category '{proposal.category}'; valid: {', '.join(ProvisionCategory.values)}."
        )
    if proposal.chapter_id and proposal.chapter.agreement_id != proposal.agreement_id:
        errors["chapter"] = "This chapter belongs to another agreement."
    if (
        proposal.number
        and Provision.objects.filter(
            agreement_id=proposal.agreement_id, number=proposal.number
        ).exists()
    ):
        errors["number"] = f"There is already an Article {proposal.number} in this agreement."
    if not proposal.body.strip():
        errors["body"] = "A proposed new provision needs its text."
    if errors:
        raise ValidationError(errors)
    provision_text_check(agreement=proposal.agreement, body=proposal.body)
    # A new provision's text is the party's own: it names no other party (as when tabling one).
    provision_check_ownership(actor=actor, old="", new=proposal.body, provision=None)


def _save_proposal(proposal: Proposal, actor: Actor, reason: str) -> Proposal:
    proposal.full_clean()
    proposal._history_user = actor.user
    proposal._change_reason = reason
    proposal.save()
    return proposal


def _proposal_concerns(proposal: Proposal) -> list[Party]:
    """The participant parties a proposal concerns, other than its own: those whose language
    (groups) it changes; every participant when it changes common text or an unattributed
    bracket, or proposes a new provision."""
    participants = [
        party for party in _participant_parties(proposal.agreement) if party.pk != proposal.party_id
    ]
    base = proposal_base_body(proposal)
    if proposal.provision_id is None or base is None:
        return participants
    result = incorporate(base, proposal.body, base, proposal.party.code)
    if result.concerns_all:
        return participants
    return [party for party in participants if party.code in result.concerned]


def _tell_about_proposal(
    *, actor: Actor, proposal: Proposal, message: str, concerned: Iterable[Party]
) -> None:
    notification_publish(
        Event(
            kind=Notification.Kind.PROPOSAL,
            agreement=proposal.agreement,
            provision=proposal.provision,
            actor=actor,
            message=message,
            concerned_parties=tuple(party.pk for party in concerned),
        )
    )


@transaction.atomic
def proposal_create(
    *,
    actor: Actor,
    body: str,
    provision: Provision | None = None,
    base_version: int | None = None,
    agreement: Agreement | None = None,
    note: str = "",
    chapter: Chapter | None = None,
    number: str = "",
    heading: str = "",
    category: str = "",
) -> Proposal:
    """A party's lead or negotiator drafts a proposal in its party's name (the secretariat, which
    speaks for no party, does not). Against an existing provision it names the version it was
    written on (`base_version`, which must exist); for a new provision it gives the chapter,
    number, heading and category, and names no other party in its text. The draft is seen by the
    proposing delegation only until tabled.
    """
    _require_delegation(actor, None, "draft")
    if provision is not None:
        agreement = provision.agreement
        if base_version is None:
            raise ValidationError(
                {"base_version": "Name the version of the provision the proposal is written on."}
            )
        if any((chapter, number, heading, category)):
            raise ValidationError(
                {
                    "provision": "A proposal is for an existing provision or a new one: give "
                    "chapter, number, heading and category only for a new one."
                }
            )
    elif agreement is None:
        raise ValidationError(
            {"agreement": "Name the agreement (and chapter) of the proposed new provision."}
        )
    elif base_version is not None:
        raise ValidationError(
            {"base_version": "A proposed new provision has no base version; name the provision."}
        )
    agreement_require_participant(actor, agreement, to_write=True)
    proposal = Proposal(
        agreement=agreement,
        provision=provision,
        base_version=base_version,
        party=actor.party,
        author=actor.user,
        body=body,
        note=note,
        chapter=chapter if provision is None else None,
        number=number,
        heading=heading,
        category=category,
    )
    _check_proposal(proposal, actor)
    where = (
        f"version {base_version} of Article {provision.number}"
        if provision is not None
        else f"a new Article {number}"
    )
    return _save_proposal(proposal, actor, f"Drafted by {actor.party.code} against {where}")


def _lock(proposal: Proposal) -> Proposal:
    """The proposal, locked after its provision's row: adopting a resolution locks the provision
    and then the proposal it accepts, so every step takes the two in that one order (two steps in
    opposite orders could wait on each other)."""
    if proposal.provision_id is not None:
        list(Provision.objects.select_for_update().filter(pk=proposal.provision_id).values("pk"))
    return (
        # Only the proposal's row: its provision and chapter may be missing (an outer join).
        Proposal.objects.select_for_update(of=("self",))
        .select_related("party", "agreement", "provision", "chapter")
        .get(pk=proposal.pk)
    )


def _require_state(proposal: Proposal, states: Iterable[str], doing: str) -> None:
    states = list(states)
    if proposal.state not in states:
        allowed = " or ".join(Proposal.State(s).label.lower() for s in states)
        raise ProposalConflict(
            f"{proposal_label(proposal)} is {proposal.get_state_display().lower()}: only a "
            f"{allowed} proposal can be {doing}.",
            proposal=proposal,
        )


@transaction.atomic
def proposal_update(*, actor: Actor, proposal: Proposal, **changes) -> Proposal:
    """The proposing delegation (lead or negotiator) edits its draft: text, note, and for a new
    provision its particulars. A tabled proposal no longer changes: withdraw it and table anew."""
    if unknown := changes.keys() - PROPOSAL_EDITABLE_FIELDS:
        raise TypeError(f"proposal_update cannot change {sorted(unknown)}")
    proposal = _lock(proposal)
    _require_delegation(actor, proposal.party, "edit")
    _require_state(proposal, [Proposal.State.DRAFT], "edited")
    changed = sorted(name for name, value in changes.items() if getattr(proposal, name) != value)
    if proposal.provision_id is not None and set(changed) & set(PROPOSAL_NEW_PROVISION_FIELDS):
        raise ValidationError(
            {"provision": "Chapter, number, heading and category belong to new provisions only."}
        )
    for name, value in changes.items():
        setattr(proposal, name, value)
    _check_proposal(proposal, actor)
    return _save_proposal(proposal, actor, f"Draft edited: {', '.join(changed) or 'nothing'}")


@transaction.atomic
def proposal_table(*, actor: Actor, proposal: Proposal) -> Proposal:
    """The proposing delegation tables its draft: from now on every participant sees it, and the
    parties whose language it changes are told (every participant, when it changes common text,
    an unattributed bracket, or proposes a new provision), as are the provision's watchers."""
    proposal = _lock(proposal)
    _require_delegation(actor, proposal.party, "table")
    _require_state(proposal, [Proposal.State.DRAFT], "tabled")
    agreement_require_participant(actor, proposal.agreement, to_write=True)
    _check_proposal(proposal, actor)
    proposal.state, proposal.tabled_at = Proposal.State.TABLED, timezone.now()
    _save_proposal(proposal, actor, f"Tabled by {actor.party.code}")
    against = f" (written on version {proposal.base_version})" if proposal.provision_id else ""
    _tell_about_proposal(
        actor=actor,
        proposal=proposal,
        message=f"{proposal_label(proposal)} tabled for {proposal_target(proposal)}{against}"
        + (f": {proposal.note}" if proposal.note else "."),
        concerned=_proposal_concerns(proposal),
    )
    return proposal


@transaction.atomic
def proposal_incorporate(
    *, actor: Actor, proposal: Proposal, expected_version: int | None = None
) -> Proposal:
    """The chair writes a tabled proposal into the text as the proposing party's alternatives.

    The change from the proposal's base to its text is written into the provision's current
    text (`provisions.incorporate`): replaced language stays, bracketed, with the party's
    alternative next to it. One new version, whose history names the proposal. A stale base is
    applied where the text around each change is still the same; the rest is reported in the
    history and the proposal's, and when nothing applies at all it is a ProposalConflict.
    `expected_version`, when given, is the current version the chair saw (VersionConflict
    otherwise). A proposed new provision becomes that provision, tabled by the secretariat as the
    text the party sent in (its history says so), proposed by the party.

    The parties whose own language received an alternative or was bracketed are told (every
    participant when common text or an unattributed bracket was), and the proposing party.
    """
    _require_chair(actor, "incorporates")
    proposal = _lock(proposal)
    _require_state(proposal, [Proposal.State.TABLED], "incorporated")
    _require_no_pending_acceptance(proposal, "incorporated")
    label = proposal_label(proposal)
    reason = f"Incorporated {label}" + (f": {proposal.note}" if proposal.note else "")
    participants = _participant_parties(proposal.agreement)
    if proposal.provision_id is None:
        provision = provision_create(
            actor=actor,
            agreement=proposal.agreement,
            chapter=proposal.chapter,
            number=proposal.number,
            heading=proposal.heading,
            category=proposal.category,
            body=proposal.body,
            proposed_by=proposal.party,
            tabled_from=reason,
        )
        # From here on the proposal points at the provision it became; base 0 is "no text yet".
        proposal.provision, proposal.base_version = provision, 0
        concerned = [p for p in participants if p.pk != proposal.party_id]
        skipped = []
    else:
        provision = Provision.objects.select_for_update().get(pk=proposal.provision_id)
        if expected_version is not None and expected_version != provision.version:
            raise VersionConflict(current=provision, expected_version=expected_version)
        base = proposal_base_body(proposal)
        if base is None:
            raise ProposalConflict(
                f"{label} was written on version {proposal.base_version}, which Article "
                f"{provision.number} no longer has.",
                proposal=proposal,
            )
        result = incorporate(base, proposal.body, provision.body, proposal.party.code)
        skipped = list(result.skipped)
        if not result.applied:
            raise ProposalConflict(
                f"Nothing of {label} applies to the current text of Article {provision.number} "
                f"(version {provision.version}): the text changed where the proposal changes it "
                f"since version {proposal.base_version}. The party may table it again against "
                "the current text.",
                proposal=proposal,
                skipped=skipped,
            )
        if skipped:
            reason += (
                f" ({len(skipped)} of {len(skipped) + len(result.applied)} changes no longer "
                f"applied: the text had changed there since version {proposal.base_version})"
            )
        provision = provision_write_outcome(
            actor=actor,
            provision=provision,
            expected_version=provision.version,
            body=result.text,
            reason=reason,
        )
        concerned = [
            p
            for p in participants
            if result.concerns_all or p.code in result.concerned or p.pk == proposal.party_id
        ]
    proposal.state = Proposal.State.INCORPORATED
    proposal.decided_at, proposal.resulting_version = timezone.now(), provision.version
    _save_proposal(
        proposal,
        actor,
        f"Incorporated by the secretariat into version {provision.version} of Article "
        f"{provision.number}" + (f"; {len(skipped)} change(s) skipped" if skipped else ""),
    )
    _tell_about_proposal(
        actor=actor,
        proposal=proposal,
        message=f"The secretariat incorporated {label} into Article {provision.number} "
        f"(version {provision.version}) as {proposal.party.code}'s alternatives"
        + (
            f"; {len(skipped)} change(s) no longer applied to the current text." if skipped else "."
        ),
        concerned=concerned,
    )
    return proposal


@transaction.atomic
def proposal_accept(*, actor: Actor, proposal: Proposal, note: str = "") -> Resolution:
    """Put a tabled proposal to the parties for acceptance as common text, by consensus.

    The proposing delegation (lead or negotiator) or the secretariat as chair asks; this makes a
    resolution (`resolution_propose(..., proposal=)`) that needs every participant's consent on
    the current version. The proposal stays tabled until that resolution is adopted, which marks
    it accepted and writes its text (see `_resolution_adopt`); a declined resolution leaves it
    tabled. Only a proposal written on the text as it stands can be accepted: parties consent to
    one exact text (ResolutionConflict otherwise: incorporate it, or table it again).
    """
    proposal = _lock(proposal)
    if not actor.is_chair:
        _require_delegation(actor, proposal.party, "put to the parties")
    _require_state(proposal, [Proposal.State.TABLED], "put to the parties for acceptance")
    if proposal.provision_id is None:
        raise ProposalConflict(
            f"{proposal_label(proposal)} proposes a new provision: the secretariat incorporates "
            "it as a new article, whose text the parties then agree like any other.",
            proposal=proposal,
        )
    provision = Provision.objects.get(pk=proposal.provision_id)
    label = proposal_label(proposal)
    return resolution_propose(
        actor=actor,
        provision=provision,
        base_version=provision.version,
        body=proposal.body,
        note=note
        or f"Acceptance of {label} as common text"
        + (f": {proposal.note}" if proposal.note else ""),
        proposal=proposal,
    )


@transaction.atomic
def proposal_reject(*, actor: Actor, proposal: Proposal, reason: str) -> Proposal:
    """The chair records that a tabled proposal was rejected, with the reason; the proposing
    party and the parties it concerned are told."""
    _require_chair(actor, "rejects")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the proposal was rejected."})
    proposal = _lock(proposal)
    _require_state(proposal, [Proposal.State.TABLED], "rejected")
    _require_no_pending_acceptance(proposal, "rejected")
    proposal.state, proposal.decided_at = Proposal.State.REJECTED, timezone.now()
    _save_proposal(proposal, actor, f"Rejected by the secretariat: {reason.strip()}")
    _tell_about_proposal(
        actor=actor,
        proposal=proposal,
        message=f"{proposal_label(proposal)} for {proposal_target(proposal)} was rejected: "
        f"{reason.strip()}",
        concerned=[proposal.party, *_proposal_concerns(proposal)],
    )
    return proposal


def _require_no_pending_acceptance(proposal: Proposal, doing: str) -> None:
    pending = proposal.resolutions.filter(state=Resolution.State.PENDING).first()
    if pending is not None:
        raise ProposalConflict(
            f"{proposal_label(proposal)} is before the parties for acceptance (resolution "
            f"#{pending.pk}): it can be {doing} once that resolution is withdrawn or declined.",
            proposal=proposal,
        )


@transaction.atomic
def proposal_withdraw(*, actor: Actor, proposal: Proposal, reason: str = "") -> Proposal:
    """The proposing delegation (lead or negotiator) withdraws its draft or tabled proposal. A
    tabled one is withdrawn in the open: those it concerned are told. A draft stays its
    delegation's alone."""
    proposal = _lock(proposal)
    _require_delegation(actor, proposal.party, "withdraw")
    _require_state(proposal, [Proposal.State.DRAFT, Proposal.State.TABLED], "withdrawn")
    _require_no_pending_acceptance(proposal, "withdrawn")
    was_tabled = proposal.state == Proposal.State.TABLED
    proposal.state, proposal.decided_at = Proposal.State.WITHDRAWN, timezone.now()
    why = f": {reason.strip()}" if reason.strip() else ""
    _save_proposal(proposal, actor, f"Withdrawn by {actor.party.code}{why}")
    if was_tabled:
        _tell_about_proposal(
            actor=actor,
            proposal=proposal,
            message=f"{proposal_label(proposal)} for {proposal_target(proposal)} was withdrawn"
            + (why or "."),
            concerned=_proposal_concerns(proposal),
        )
    return proposal
