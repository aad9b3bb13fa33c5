"""Who may do what: roles, capabilities and the party a user acts for.

Every service asks `require(actor, Capability.X, for_party=...)` before it writes; selectors ask
`actor.sees_delegation_material_of(party_id)` before they show delegation-only material.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from .models import Membership, Party


class Capability(StrEnum):
    READ = "read"
    COMMENT = "comment"
    EDIT_TEXT = "edit text"
    SET_STATUS = "change status"
    RECORD_POSITION = "record positions"
    MANAGE_ROUNDS = "manage rounds"
    MANAGE_ACTIONS = "manage action items"
    ADMINISTER = "administer agreements and parties"


Role = Membership.Role

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OBSERVER: frozenset({Capability.READ}),
    Role.REVIEWER: frozenset({Capability.READ, Capability.COMMENT}),
    Role.NEGOTIATOR: frozenset({Capability.READ, Capability.COMMENT, Capability.EDIT_TEXT}),
    Role.LEAD: frozenset(
        {
            Capability.READ,
            Capability.COMMENT,
            Capability.EDIT_TEXT,
            Capability.SET_STATUS,
            Capability.RECORD_POSITION,
            Capability.MANAGE_ROUNDS,
            Capability.MANAGE_ACTIONS,
        }
    ),
}
# The secretariat (site staff) runs the process but speaks for no party: it records no position.
SECRETARIAT_CAPABILITIES = frozenset(set(Capability) - {Capability.RECORD_POSITION})


@dataclass(frozen=True)
class Actor:
    """A user together with the party they act for and what they may do."""

    user: object
    party: Party | None
    role: str | None
    is_secretariat: bool

    @property
    def capabilities(self) -> frozenset[Capability]:
        granted = set(ROLE_CAPABILITIES.get(self.role, frozenset())) if self.party else set()
        if self.is_secretariat:
            granted |= SECRETARIAT_CAPABILITIES
        return frozenset(granted)

    @property
    def is_chair(self) -> bool:
        """The secretariat speaking for no party: the chair of the negotiation."""
        return self.is_secretariat and self.party is None

    @property
    def party_id(self) -> int | None:
        return self.party.pk if self.party else None

    @property
    def label(self) -> str:
        if self.party:
            return f"{self.party.code} · {self.user.get_username()}"
        return f"Secretariat · {self.user.get_username()}"

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def acts_for(self, party_id: int | None) -> bool:
        return party_id is not None and party_id == self.party_id

    def sees_delegation_material_of(self, party_id: int | None) -> bool:
        """Delegation-only material stays with that delegation's members; observers read shared text only."""
        return self.acts_for(party_id) and self.role != Role.OBSERVER


def actor_for(user) -> Actor:
    """The actor behind a request or a command; cached on the user object for the request."""
    cached = getattr(user, "_negotiation_actor", None)
    if cached is not None:
        return cached
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Actor(user=user, party=None, role=None, is_secretariat=False)
    membership = Membership.objects.select_related("party").filter(user=user).first()
    actor = Actor(
        user=user,
        party=membership.party if membership else None,
        role=membership.role if membership else None,
        is_secretariat=bool(user.is_staff),
    )
    user._negotiation_actor = actor
    return actor


def require(actor: Actor, capability: Capability, *, for_party: Party | None = None) -> None:
    """Refuse unless the actor holds the capability and, when a party is named, acts for it.

    The secretariat (staff in no delegation) may act on any party's behalf where its capabilities allow.
    """
    if not actor.can(capability):
        role = actor.role or "no delegation role"
        raise PermissionDenied(f"Your role ({role}) does not allow you to {capability}.")
    # The secretariat speaks for no party and may act on any party's behalf; a staff member who also
    # belongs to a delegation acts for that delegation only.
    speaks_for_none = actor.is_chair
    if for_party is not None and not speaks_for_none and not actor.acts_for(for_party.pk):
        raise PermissionDenied(f"You cannot act on behalf of {for_party.code}.")
