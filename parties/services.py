"""Every write to parties and delegations."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .access import Actor, Capability, require
from .models import Membership, Party


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


@transaction.atomic
def membership_set(*, actor: Actor, user: AbstractBaseUser, party: Party, role: str) -> Membership:
    """The secretariat places a user in a delegation with a role (replacing any earlier one)."""
    require(actor, Capability.ADMINISTER)
    membership, _ = Membership.objects.get_or_create(
        user=user, defaults={"party": party, "role": role}
    )
    membership.party, membership.role = party, role
    membership.full_clean()
    membership.save()
    user.__dict__.pop("_negotiation_actor", None)
    return membership
