"""Every write to provisions. Each write is a new version, checked against the caller's version.

The version check is a compare-and-set on the row (UPDATE … WHERE version = expected) inside the
write's transaction: PostgreSQL and SQLite both let exactly one of several concurrent writers claim
a version, and every other one gets VersionConflict. The save that follows writes the history row,
so history holds exactly the accepted writes.

Each history row also records the version's minerals. simple-history would write a row of its own
for every change to them, so minerals are set without history, before the row that records them.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agreement.models import Agreement, Chapter, Mineral
from agreement.services import agreement_require_participant
from negotiations.models import Notification
from negotiations.notifications import Event, notification_publish
from negotiations.staleness import resolution_mark_stale
from parties.access import Actor, Capability, require
from parties.models import Party

from . import brackets, ownership, steps
from .models import (
    AGREED_STATUSES,
    PRESENCE_LEASE,
    PROVISION_HISTORY,
    STATUS_TRANSITIONS,
    TEXT_FROZEN_STATUSES,
    Presence,
    Provision,
    Status,
)
from .selectors import ConsentState, agree_consents, mineral_ever_covered, text_check

EDITABLE_FIELDS = frozenset(
    {"heading", "body", "category", "chapter", "number", "order", "minerals"}
)
# What the parties agree to: a change to any of these makes earlier consents stale.
TEXT_FIELDS = frozenset({"heading", "body"})


class VersionConflict(Exception):
    """The caller edited an older version than the one now stored."""

    def __init__(self, *, current: Provision, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"Provision {current.number} is at version {current.version}; "
            f"your change was based on version {expected_version}."
        )


class InvalidBracketText(ValidationError):
    """Negotiating text that does not parse; carries every error with its line and column."""

    def __init__(self, errors: Iterable[brackets.BracketError]):
        self.bracket_errors = list(errors)
        super().__init__(
            {
                "body": [
                    f"Line {e.line}, column {e.column}: {e.message}" for e in self.bracket_errors
                ]
            }
        )

    @property
    def extra_detail(self) -> dict:
        return {"bracket_errors": [error.as_dict() for error in self.bracket_errors]}


class NegotiationRuleViolation(PermissionDenied):
    """An edit that changes language the actor does not own, or removes brackets.

    Carries every such change (`ownership.Change`) with its group, line and column, and what to
    do instead: submit a proposal, or propose a resolution.
    """

    def __init__(self, changes: Iterable[ownership.Change]):
        self.changes = list(changes)
        advice = (
            "submit a proposal"
            if any(c.verdict == ownership.Verdict.PROPOSAL for c in self.changes)
            else "propose a resolution: removing brackets needs the consent of the parties concerned"
        )
        lines = "; ".join(f"line {c.line}, column {c.column}: {c.message}" for c in self.changes)
        super().__init__(f"You cannot make this change directly ({lines}); {advice}.")

    @property
    def extra_detail(self) -> dict:
        return {"negotiation_rules": [change.as_dict() for change in self.changes]}

    def __reduce__(self):
        # Rebuilt from its changes, not its message, when it crosses to another process.
        return type(self), (self.changes,)


class ConsensusLacking(ValidationError):
    """Agreeing a text that not every participant has agreed, on its current version."""

    def __init__(self, *, provision: Provision, status: str, lacking: list):
        self.lacking = lacking
        missing = [c.party.code for c in lacking if c.state == ConsentState.MISSING]
        stale = [
            f"{c.party.code} (agreed version {c.version}; changed since)"
            for c in lacking
            if c.state == ConsentState.STALE
        ]
        parts = ([f"no agreement from {', '.join(missing)}"] if missing else []) + (
            [f"stale agreement from {', '.join(stale)}"] if stale else []
        )
        super().__init__(
            {
                "status": f"Article {provision.number} cannot be made "
                f"{Status(status).label.lower()}: every participant must agree the current text "
                f"(version {provision.text_version} onwards); {'; '.join(parts)}."
            }
        )

    @property
    def extra_detail(self) -> dict:
        return {
            "consents": [
                {"party": c.party.code, "state": str(c.state), "version": c.version}
                for c in self.lacking
            ]
        }


def provision_text_check(*, agreement: Agreement, body: str) -> int:
    """Refuse oversize or malformed text (as the editor reports it); answer its bracket count."""
    check = text_check(agreement, body)
    if check.too_long:
        raise ValidationError({"body": check.errors[0].message})
    if check.errors:
        raise InvalidBracketText(check.errors)
    return check.count.total


def _authority(actor: Actor, provision: Provision | None) -> ownership.Authority:
    """In what capacity the actor edits a provision's text (None: one being created)."""
    if actor.is_chair:
        return ownership.Authority.CHAIR
    drafting = provision is None or (
        provision.status == Status.DRAFT
        and not provision.ever_tabled
        and provision.proposed_by_id == actor.party_id
    )
    return ownership.Authority.DRAFTER if drafting else ownership.Authority.PARTY


def provision_check_ownership(*, actor: Actor, old: str, new: str, provision: Provision | None):
    """Refuse a text change the negotiation rules do not let the actor make directly.

    `old` is the text the change was based on; `provision` is None for a text being tabled.
    Answers the classification so that callers can show what the change does.
    """
    authority = _authority(actor, provision)
    party = None if authority == ownership.Authority.CHAIR else actor.party.code
    # A browser's form sends CRLF line ends: they are not a change of anyone's words.
    old, new = old.replace("\r\n", "\n"), new.replace("\r\n", "\n")
    classification = ownership.classify(old, new, party=party, authority=authority)
    if not classification.allowed:
        raise NegotiationRuleViolation([*classification.refused, *classification.needs_consent])
    return classification


PARTICULARS = ("heading", "category", "chapter", "number", "order")


def _particulars_changed(current: Provision, changes: dict, minerals) -> list[str]:
    """The particulars (heading, placement, category, minerals) a change really alters."""
    changed = [f for f in PARTICULARS if f in changes and getattr(current, f) != changes[f]]
    if minerals is not None and {m.pk for m in minerals} != set(
        current.minerals.values_list("pk", flat=True)
    ):
        changed.append("minerals")
    return changed


def _particulars_refusal(current: Provision, fields: list[str]) -> ownership.Change:
    return ownership.Change(
        verdict=ownership.Verdict.PROPOSAL,
        kind="particulars",
        parties=(),
        line=0,
        column=0,
        message=f"The {', '.join(fields)} of Article {current.number} are common to all parties "
        "once it is tabled: the secretariat changes them, or submit a proposal.",
    )


def _check_belongs_to(agreement: Agreement, *, chapter: Chapter | None, minerals) -> None:
    if chapter is not None and chapter.agreement_id != agreement.pk:
        raise ValidationError({"chapter": "This chapter belongs to another agreement."})
    if minerals is not None and any(m.agreement_id != agreement.pk for m in minerals):
        raise ValidationError({"minerals": "Every mineral must be covered by this agreement."})


def _set_minerals(provision: Provision, minerals: Iterable[Mineral]) -> None:
    """Set the minerals without the history rows simple-history writes on every m2m change: the
    version's own row, written next, records them."""
    provision.skip_history_when_saving = True
    try:
        provision.minerals.set(minerals)
    finally:
        del provision.skip_history_when_saving


def _save_version(
    *,
    actor: Actor,
    provision: Provision,
    expected_version: int,
    reason: str,
    apply: Callable[[Provision], None],
    minerals: list[Mineral] | None = None,
) -> Provision:
    """Claim the next version, apply the change, validate and save it with its history row.

    `minerals`, when given, replace the provision's minerals in the same version.
    """
    # The conditional UPDATE is the lock: a concurrent writer blocks on it and then matches no row.
    # history is written by the save() below, at the claimed version. The next version is counted
    # from the row, not from the caller's number: a stale number past the column's range is then
    # a conflict like any other, not a database error.
    claimed = Provision.objects.filter(pk=provision.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise VersionConflict(
            current=Provision.objects.get(pk=provision.pk), expected_version=expected_version
        )
    # A fresh instance: if the change is refused below, the caller's object is left as it was.
    current = Provision.objects.get(pk=provision.pk)
    apply(current)
    current.full_clean()
    if minerals is not None:
        _set_minerals(current, minerals)
    current._history_user = actor.user
    current._change_reason = reason
    current.save()
    if current.text_version == current.version:
        # Consents to remove brackets were given on the text as it was: pending resolutions stale.
        resolution_mark_stale(actor=actor, provision=current)
    return current


@transaction.atomic
def provision_create(
    *,
    actor: Actor,
    agreement: Agreement,
    chapter: Chapter,
    number: str,
    heading: str,
    category: str,
    body: str = "",
    proposed_by: Party | None = None,
    minerals: Iterable[Mineral] = (),
    order: int | None = None,
    reason: str = "",
    tabled_from: str = "",
) -> Provision:
    """A negotiator tables a provision for their own party; the secretariat for any party or none.

    A party writes no group naming another party. The secretariat writes attributions only when
    it tables a consolidated text the parties sent in: `tabled_from` says which, and the history
    records it.
    """
    require(actor, Capability.EDIT_TEXT, for_party=proposed_by)
    agreement_require_participant(actor, agreement, to_write=True)
    minerals = list(minerals)
    _check_belongs_to(agreement, chapter=chapter, minerals=minerals)
    bracket_count = provision_text_check(agreement=agreement, body=body)
    if tabled_from and not actor.is_chair:
        raise ValidationError(
            {"tabled_from": "Only the secretariat tables a consolidated text the parties sent in."}
        )
    if tabled_from:
        reason = f"Consolidated text tabled by the secretariat: {tabled_from}"
    else:
        provision_check_ownership(actor=actor, old="", new=body, provision=None)

    if proposed_by is None and not actor.is_secretariat:
        proposed_by = actor.party
    if order is None:
        order = chapter.provisions.count() + 1
    provision = Provision(
        agreement=agreement,
        chapter=chapter,
        number=number,
        order=order,
        heading=heading,
        category=category,
        proposed_by=proposed_by,
        body=body,
        bracket_count=bracket_count,
        # A text the parties sent in is theirs together: no one party drafts it freely.
        ever_tabled=bool(tabled_from),
    )
    provision.full_clean()
    provision._history_user = actor.user
    provision._change_reason = reason or "Created"
    # The minerals need the provision's id, and version 1's history row must record them.
    provision.save_without_historical_record()
    _set_minerals(provision, minerals)
    PROVISION_HISTORY.create_historical_record(provision, "+")
    return provision


@transaction.atomic
def provision_update(
    *, actor: Actor, provision: Provision, expected_version: int, reason: str = "", **changes
) -> Provision:
    """Edit text and particulars of a provision that is not agreed or withdrawn.

    `expected_version` is the version the caller started from; a stale one raises VersionConflict.
    """
    if unknown := changes.keys() - EDITABLE_FIELDS:
        raise TypeError(f"provision_update cannot change {sorted(unknown)}")
    require(actor, Capability.EDIT_TEXT)
    agreement_require_participant(actor, provision.agreement, to_write=True)
    minerals = changes.pop("minerals", None)
    minerals = list(minerals) if minerals is not None else None
    _check_belongs_to(provision.agreement, chapter=changes.get("chapter"), minerals=minerals)
    bracket_count = None
    if "body" in changes:
        bracket_count = provision_text_check(agreement=provision.agreement, body=changes["body"])

    def apply(current: Provision) -> None:
        if current.status in TEXT_FROZEN_STATUSES:
            raise ValidationError(
                f"Provision {current.number} is {current.get_status_display().lower()}: "
                "reopen it before editing its text."
            )
        # Checked against the claimed version, which is the one the caller based the change on.
        authority = _authority(actor, current)
        particulars = _particulars_changed(current, changes, minerals)
        if particulars and authority == ownership.Authority.PARTY:
            raise NegotiationRuleViolation([_particulars_refusal(current, particulars)])
        body_changed = "body" in changes and changes["body"] != current.body
        if body_changed:
            provision_check_ownership(
                actor=actor, old=current.body, new=changes["body"], provision=current
            )
        chair_edits = (body_changed or particulars) and authority == ownership.Authority.CHAIR
        if chair_edits and not reason.strip():
            raise ValidationError(
                {"reason": "The secretariat gives a reason for every change to the text."}
            )
        text_changed = any(
            getattr(current, field) != changes[field] for field in TEXT_FIELDS & changes.keys()
        ) or (
            minerals is not None
            and {m.pk for m in minerals} != set(current.minerals.values_list("pk", flat=True))
        )
        for field, value in changes.items():
            setattr(current, field, value)
        if bracket_count is not None:
            current.bracket_count = bracket_count
        if text_changed:
            # Consents to agree were given on the text as it was: from here on they are stale.
            current.text_version = current.version

    changed = sorted([*changes, *(["minerals"] if minerals is not None else [])])
    provision = _save_version(
        actor=actor,
        provision=provision,
        expected_version=expected_version,
        reason=reason or f"Edited {', '.join(changed) or 'nothing'}",
        apply=apply,
        minerals=minerals,
    )
    _tell_text_changed(actor=actor, provision=provision)
    return provision


def _tell_text_changed(*, actor: Actor, provision: Provision) -> None:
    """After a text write: the parties whose agreement went stale, then the watchers."""
    _tell_consents_stale(actor=actor, provision=provision)
    notification_publish(
        Event(
            kind=Notification.Kind.TEXT_CHANGED,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"Article {provision.number} ({provision.heading}) is now version "
            f"{provision.version}: {provision.history.latest().history_change_reason}",
        )
    )


def _tell_consents_stale(*, actor: Actor, provision: Provision) -> None:
    """If this version changed the text, tell each party whose `agree` counted on the text it
    replaced that its consent is stale now, watching or not (in the application and by e-mail)."""
    if provision.text_version != provision.version or provision.version == 1:
        return  # the text did not change in this version
    replaced = (
        provision.history.filter(version=provision.version - 1)
        .values_list("text_version", flat=True)
        .first()
    )
    if replaced is None:
        return
    for consent in agree_consents(provision, text_version=replaced):
        if consent.state != ConsentState.CURRENT:
            continue  # no consent, or one already stale before this change
        code = consent.party.code
        notification_publish(
            Event(
                kind=Notification.Kind.CONSENT,
                agreement=provision.agreement,
                provision=provision,
                actor=actor,
                message=f"{code}'s agreement to Article {provision.number} ({provision.heading}), "
                f"given on version {consent.version}, is stale: the text changed in version "
                f"{provision.version}. It counts again only once {code} agrees the new text.",
                concerned_parties=(consent.party.pk,),
            )
        )


@transaction.atomic
def provision_set_status(
    *,
    actor: Actor,
    provision: Provision,
    status: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Provision:
    """A lead (or the secretariat) moves a provision along its path, as `steps` says who may.

    Procedural steps, withdrawing and reinstating belong to the proposing party's lead (or the
    secretariat; withdrawing only on a consensus reached in the room, with a reason naming the
    meeting). Agreed ad referendum and agreed need a text without brackets and every
    participant's current `agree` (`agree_consents`); then any participant's lead or the
    secretariat records it. Reopening agreed text: any participant's lead or the secretariat.
    """
    require(actor, Capability.SET_STATUS)
    agreement_require_participant(actor, provision.agreement, to_write=True)
    if status not in Status.values:
        raise ValidationError(
            {"status": f"Unknown status '{status}'; valid: {', '.join(Status.values)}."}
        )
    label = Status(status).label

    def apply(current: Provision) -> None:
        allowed = STATUS_TRANSITIONS[current.status]
        if status not in allowed:
            raise ValidationError(
                {
                    "status": f"A {current.get_status_display().lower()} provision can move to "
                    f"{', '.join(sorted(allowed))}, not {status}."
                }
            )
        # Checked on the claimed row: who may take a step depends on where the provision stands.
        if refusal := steps.step_refusal(actor, current, status):
            raise PermissionDenied(refusal)
        if status == Status.WITHDRAWN and actor.is_chair and not reason.strip():
            raise ValidationError(
                {
                    "reason": "The secretariat withdraws a provision only to record a consensus "
                    "reached in the room: give a reason naming the meeting."
                }
            )
        if status in AGREED_STATUSES and current.bracket_count:
            raise ValidationError(
                {
                    "status": f"Provision {current.number} still holds {current.bracket_count} "
                    "bracketed passage(s); it cannot be agreed until they are resolved."
                }
            )
        if status in AGREED_STATUSES and (lacking := steps.agree_lacking(current)):
            raise ConsensusLacking(provision=current, status=status, lacking=lacking)
        current.status = status
        if status != Status.DRAFT:
            current.ever_tabled = True

    provision = _save_version(
        actor=actor,
        provision=provision,
        expected_version=provision.version if expected_version is None else expected_version,
        reason=reason or f"Status changed to {label.lower()}",
        apply=apply,
    )
    notification_publish(
        Event(
            kind=Notification.Kind.STATUS_CHANGED,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"Article {provision.number} ({provision.heading}) is now {label.lower()} "
            f"(version {provision.version}).",
        )
    )
    return provision


@transaction.atomic
def provision_revert(
    *, actor: Actor, provision: Provision, record, expected_version: int, reason: str = ""
) -> Provision:
    """Make an earlier version's text and particulars current again, as a new version.

    Its minerals too, when that version recorded them. Versions written before minerals were
    recorded (`minerals_recorded` false) do not say which minerals they covered: reverting to one
    keeps the current minerals.
    """
    return provision_update(
        actor=actor,
        provision=provision,
        expected_version=expected_version,
        reason=reason or f"Reverted to version {record.version}",
        heading=record.heading,
        body=record.body,
        category=record.category,
        chapter=Chapter.objects.get(pk=record.chapter_id),
        number=record.number,
        order=record.order,
        minerals=(
            Mineral.objects.filter(pk__in=record.minerals.values("mineral_id"))
            if record.minerals_recorded
            else None  # unchanged
        ),
    )


def presence_touch(*, actor: Actor, provision: Provision, editing: bool) -> Presence:
    """Renew the actor's lease on a provision page; `editing` keeps (or starts) the editing clock."""
    now = timezone.now()
    presence, created = Presence.objects.get_or_create(
        provision=provision,
        user=actor.user,
        defaults={"label": actor.label, "seen_at": now, "editing_since": now if editing else None},
    )
    if not created:
        lapsed = presence.seen_at < now - PRESENCE_LEASE
        if not editing:
            presence.editing_since = None
        elif presence.editing_since is None or lapsed:
            presence.editing_since = now
        presence.seen_at, presence.label = now, actor.label
        presence.save(update_fields=["seen_at", "editing_since", "label"])
    return presence


def presence_leave(*, actor: Actor, provision: Provision) -> None:
    Presence.objects.filter(provision=provision, user=actor.user).delete()


@transaction.atomic
def provision_write_outcome(
    *, actor: Actor, provision: Provision, expected_version: int, body: str, reason: str
) -> Provision:
    """Write text that a negotiation step produced under its own rules, as a new version.

    For `negotiations.services` only: a proposal incorporated by the chair (the proposing party's
    alternatives), a proposal accepted or a resolution adopted once every party concerned
    consented. Those services check who may take the step; this one writes it, without the
    ownership check a direct edit gets, and with the reason that names the step.
    """
    bracket_count = provision_text_check(agreement=provision.agreement, body=body)

    def apply(current: Provision) -> None:
        if current.status in TEXT_FROZEN_STATUSES:
            raise ValidationError(
                f"Provision {current.number} is {current.get_status_display().lower()}: "
                "reopen it before changing its text."
            )
        if current.body != body:
            current.text_version = current.version
        current.body, current.bracket_count = body, bracket_count

    provision = _save_version(
        actor=actor,
        provision=provision,
        expected_version=expected_version,
        reason=reason,
        apply=apply,
    )
    _tell_text_changed(actor=actor, provision=provision)
    return provision


@transaction.atomic
def mineral_delete(*, actor: Actor, mineral: Mineral) -> None:
    """The secretariat removes a mineral no provision ever covered (one added by mistake).

    Here rather than in agreement's services because only provisions know what versions covered:
    versions name their minerals by id, so a mineral any version covered stays, or history and
    archives of the agreement would point at nothing.
    """
    require(actor, Capability.ADMINISTER)
    if mineral_ever_covered(mineral):
        raise ValidationError(
            f"{mineral.name} is covered by a provision, or was by an earlier version: it stays."
        )
    mineral.delete()
