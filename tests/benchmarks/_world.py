"""A negotiation to measure against: an agreement, its parties and negotiators (needs Django).

Only the children of `_postgres.run_in_django` import this module.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tests.benchmarks.text import _PARTY_CODES


@dataclass
class World:
    agreement: object
    chapter: object
    negotiators: list  # users, one per party in turn


def negotiation(title: str, *, negotiators: int = 1, one_party: bool = False) -> World:
    """An agreement every benchmark party takes part in, one chapter, and `negotiators` users
    (of the parties in turn, or all of the first party with `one_party`: one delegation drafting).

    Parties are shared between agreements (found by code); the rest is new, named after `title`.
    """
    from django.contrib.auth import get_user_model
    from django.utils.text import slugify

    from agreement.models import Agreement, Chapter, Participation
    from parties.models import Membership, Party

    agreement = Agreement.objects.create(title=title, status=Agreement.Status.NEGOTIATING)
    parties = []
    for code in _PARTY_CODES:
        party, _ = Party.objects.get_or_create(
            code=code, defaults={"name": code, "lead_agency": code}
        )
        Participation.objects.create(
            agreement=agreement, party=party, joined_on=datetime.date(2026, 1, 1)
        )
        parties.append(party)
    users = []
    for index in range(negotiators):
        user = get_user_model().objects.create(username=f"{slugify(title)}-{index + 1}"[:150])
        Membership.objects.create(
            user=user,
            party=parties[0 if one_party else index % len(parties)],
            role=Membership.Role.NEGOTIATOR,
        )
        users.append(user)
    chapter = Chapter.objects.create(agreement=agreement, number=1, title="Trade measures")
    return World(agreement=agreement, chapter=chapter, negotiators=users)
