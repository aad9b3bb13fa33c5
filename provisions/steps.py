"""Who may take which status step: a provision's path follows the negotiation rules.

A provision is the proposing party's until the parties negotiate it, and agreed only by
consensus. The table (docs/api.md, "Negotiation rules: status steps"; every cell is tested):

| step                                              | who may take it                              |
|---------------------------------------------------|----------------------------------------------|
| draft → tabled, tabled → draft,                   | the proposing party's lead, or the           |
| tabled → under negotiation (procedural)           | secretariat                                  |
| → agreed ad referendum, → agreed                  | any participant's lead, or the secretariat,  |
|                                                   | once every participant agreed the current    |
|                                                   | text (`agree_consents`) and no brackets left |
| agreed / agreed ad referendum → under negotiation | any participant's lead, or the secretariat   |
| (reopening)                                       |                                              |
| → withdrawn                                       | the proposing party's lead, or the           |
|                                                   | secretariat recording a consensus reached in |
|                                                   | the room (a reason naming the meeting)       |
| withdrawn → draft (reinstating)                   | the proposing party's lead, or the           |
|                                                   | secretariat                                  |

Negotiators, reviewers and observers take no step; nor does a party with observer standing.
A provision with no proposing party (the chair's text) is tabled, withdrawn and reinstated by the
secretariat alone.

Reopening is open to any participant's lead: agreement needs everyone, so anyone may take it back
to the table (the consents stay on record and count again if the text does not change).
Reinstating a withdrawn provision is the proposing party's, like withdrawing it.
"""

from enum import StrEnum

from agreement.models import Participation
from parties.access import Actor, Role

from .models import AGREED_STATUSES, STATUS_TRANSITIONS, Provision, Status
from .selectors import AgreeConsent, agree_consents, agree_consents_lacking


class StepKind(StrEnum):
    PROCEDURAL = "procedural"
    AGREE = "agree"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    REINSTATE = "reinstate"


def step_kind(from_status: str, to_status: str) -> StepKind:
    """What kind of step moving between two statuses is (only for steps STATUS_TRANSITIONS allows)."""
    if to_status == Status.WITHDRAWN:
        return StepKind.WITHDRAW
    if from_status == Status.WITHDRAWN:
        return StepKind.REINSTATE
    if to_status in AGREED_STATUSES:
        return StepKind.AGREE
    if from_status in AGREED_STATUSES:
        return StepKind.REOPEN
    return StepKind.PROCEDURAL


def _is_participant_lead(actor: Actor, provision: Provision) -> bool:
    return (
        actor.party is not None
        and actor.role == Role.LEAD
        and Participation.objects.filter(
            agreement_id=provision.agreement_id,
            party_id=actor.party_id,
            standing=Participation.Standing.PARTICIPANT,
        ).exists()
    )


def step_refusal(actor: Actor, provision: Provision, to_status: str) -> str | None:
    """Why the actor may not move the provision from its status to `to_status` (None: it may).

    Who may take the step only: the consents and brackets an agreed status needs are checked
    apart (`agree_lacking`), and so is a step STATUS_TRANSITIONS does not allow at all.
    """
    kind = step_kind(provision.status, to_status)
    label = Status(to_status).label.lower()
    if actor.is_chair:
        return None
    if not _is_participant_lead(actor, provision):
        return f"Only a participating party's lead or the secretariat may make a provision {label}."
    if kind in {StepKind.AGREE, StepKind.REOPEN}:
        return None  # any participant's lead
    proposer = provision.proposed_by
    if proposer is None:
        return (
            f"Article {provision.number} was put forward by the secretariat: only the secretariat "
            f"may make it {label}."
        )
    if actor.acts_for(proposer.pk):
        return None
    if kind == StepKind.WITHDRAW:
        return (
            f"Only {proposer.code}, which proposed Article {provision.number}, may withdraw it "
            "(or the secretariat, recording a consensus reached in the room)."
        )
    return (
        f"Only {proposer.code}'s lead, which proposed Article {provision.number}, or the "
        f"secretariat may make it {label}."
    )


def agree_lacking(provision: Provision, consents: list[AgreeConsent] | None = None) -> list:
    """The participants' consents that do not count yet (missing or stale) for agreeing the text."""
    return agree_consents_lacking(agree_consents(provision) if consents is None else consents)


def steps_open_to(
    actor: Actor, provision: Provision, consents: list[AgreeConsent] | None = None
) -> list[str]:
    """The statuses the actor may move the provision to now, in path order: the steps it may
    take whose preconditions hold (an agreed status needs no brackets and every consent)."""
    open_steps = []
    for status in Status.values:
        if status not in STATUS_TRANSITIONS[provision.status]:
            continue
        if step_refusal(actor, provision, status) is not None:
            continue
        if status in AGREED_STATUSES and (
            provision.bracket_count or agree_lacking(provision, consents)
        ):
            continue
        open_steps.append(status)
    return open_steps
