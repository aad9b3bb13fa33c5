"""Which delegation and role an agency's identity provider vouches for. Pure: no Django.

The identity provider releases the groups a person belongs to (the `groups` claim of Keycloak,
Okta, Entra ID, ADFS, Login.gov's partners...); the deployment maps group names to a party and a
role in one setting, OIDC_GROUP_MAP:

    ustr-leads=US:lead; ustr-negotiators=US:negotiator; cn=dg-trade,ou=groups,dc=ec=EU:reviewer

Entries are separated by semicolons or new lines; within one, the last `=` separates the group
name (which may itself hold `=` and `,`, as LDAP names do) from `PARTY:role`.

A person in several mapped groups of one party holds the strongest of their roles; groups that
name different parties are refused (a user belongs to one delegation), as are groups that map to
nothing. Nobody is ever made site staff this way: the map holds delegation roles only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


@dataclass(frozen=True)
class Placement:
    party: str
    role: str


class GroupMapError(ValueError):
    """OIDC_GROUP_MAP cannot be read; the message names the entry."""


class NoPlacement(Exception):
    """The claims place the person in no delegation; the message says why, for their eyes."""


def parse_group_map(text: str, *, roles: Sequence[str]) -> dict[str, Placement]:
    """`group=PARTY:role` entries → {group: Placement}. `roles` are the roles one may map to."""
    group_map: dict[str, Placement] = {}
    for number, raw in enumerate(re.split(r"[;\n]", text), start=1):
        entry = raw.strip()
        if not entry:
            continue
        group, equals, target = entry.rpartition("=")
        group = group.strip()
        if not equals or not group:
            raise GroupMapError(f"entry {number} ({entry!r}) is not group=PARTY:role")
        party, colon, role = (part.strip() for part in target.partition(":"))
        if not colon or not PARTY_CODE.match(party):
            raise GroupMapError(
                f"entry {number} ({entry!r}): {target.strip()!r} is not PARTY:role with a party "
                "code of 2-8 capital letters or digits"
            )
        if role not in roles:
            raise GroupMapError(
                f"entry {number} ({entry!r}): role {role!r} is not one of {', '.join(roles)}"
            )
        placement = Placement(party=party, role=role)
        if group_map.get(group, placement) != placement:
            raise GroupMapError(f"entry {number}: group {group!r} is mapped twice, differently")
        group_map[group] = placement
    return group_map


def groups_in(claims: Mapping, claim: str) -> list[str]:
    """The group names a claim holds: a list of strings, or one string for a single group."""
    value = claims.get(claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def placement_for(
    claims: Mapping, *, claim: str, group_map: Mapping[str, Placement], roles: Sequence[str]
) -> Placement:
    """The party and role the claims map to; NoPlacement when none or more than one party.

    `roles` lists the roles strongest first: several groups of one party give the strongest.
    """
    matched = {group_map[group] for group in groups_in(claims, claim) if group in group_map}
    if not matched:
        raise NoPlacement("Your agency account is in no group that this site maps to a delegation.")
    parties = sorted({placement.party for placement in matched})
    if len(parties) > 1:
        raise NoPlacement(
            f"Your agency account's groups place you in more than one delegation "
            f"({', '.join(parties)}); a person belongs to one."
        )
    return min(matched, key=lambda placement: roles.index(placement.role))
