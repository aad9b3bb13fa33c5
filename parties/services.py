"""Every write to parties and delegations."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .access import Actor, Capability, require
from .audit import audit_record
from .models import AuditEntry, Membership, Party


@transaction.atomic
def party_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    lead_agency: str,
    kind: str = Party.Kind.STATE,
    colour: str = "#5a6b7b",
) -> Party:
    """The secretariat registers a party; its code is what bracket attributions name."""
    require(actor, Capability.ADMINISTER)
    party = Party(code=code, name=name, lead_agency=lead_agency, kind=kind, colour=colour)
    party.full_clean()
    party.save()
    return party


@transaction.atomic
def party_update(*, actor: Actor, party: Party, **changes) -> Party:
    """Names, agency, kind and colour may change; the code may not (history and brackets cite it)."""
    require(actor, Capability.ADMINISTER)
    if unknown := changes.keys() - {"name", "lead_agency", "kind", "colour"}:
        raise TypeError(f"party_update cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(party, field, value)
    party.full_clean()
    party.save()
    return party


def _require_not_self(actor: Actor, user: AbstractBaseUser) -> None:
    # A delegation's membership is what opens its private material: nobody grants it to themselves.
    if getattr(actor.user, "pk", None) == user.pk:
        raise PermissionDenied(
            "You cannot place yourself in a delegation, change your own role or remove yourself: "
            "another member of the secretariat must."
        )


def _label(membership: Membership | None) -> str:
    return f"{membership.party.code} {membership.role}" if membership else "no delegation"


def _audit_change(actor: Actor, user, before: Membership | None, after: Membership | None):
    """One entry per delegation concerned: a move is seen by the delegation left and the one joined."""
    detail = f"{_label(before)} → {_label(after)}"
    parties = {m.party_id: m.party for m in (before, after) if m is not None}
    for party in parties.values():
        audit_record(
            AuditEntry.Kind.MEMBERSHIP_CHANGED,
            actor=actor.user,
            subject=user,
            party=party,
            detail=detail,
        )


@transaction.atomic
def membership_set(*, actor: Actor, user: AbstractBaseUser, party: Party, role: str) -> Membership:
    """The secretariat places a user in a delegation with a role (replacing any earlier one), never
    itself; every placement, move or change of role is audited."""
    require(actor, Capability.ADMINISTER)
    _require_not_self(actor, user)
    before = Membership.objects.select_related("party").filter(user=user).first()
    if before is not None and (before.party_id, before.role) == (party.pk, role):
        return before
    membership = Membership(user=user) if before is None else Membership.objects.get(pk=before.pk)
    membership.party, membership.role = party, role
    membership.full_clean()
    membership.save()
    _audit_change(actor, user, before, membership)
    user.__dict__.pop("_negotiation_actor", None)
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    """The secretariat takes a user out of their delegation (never itself); audited. What the user
    wrote stays, stamped with the party it was written for."""
    require(actor, Capability.ADMINISTER)
    user = membership.user
    _require_not_self(actor, user)
    before = Membership.objects.select_related("party").get(pk=membership.pk)
    before.delete()
    _audit_change(actor, user, before, None)
    user.__dict__.pop("_negotiation_actor", None)
