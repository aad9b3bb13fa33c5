"""Shared fixtures: a small negotiation (US and EU delegations in every role, an observer party JP),
API clients signed in as any of them, and the rule that missing services fail under REQUIRE_SERVICES.
"""

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from agreement.models import Participation
from parties.access import actor_for
from parties.models import Membership
from provisions import brackets
from provisions import services as provision_services
from tests.factories import (
    AgreementFactory,
    ChapterFactory,
    MembershipFactory,
    MineralFactory,
    ParticipationFactory,
    PartyFactory,
    UserFactory,
)

# The agency identity provider (OpenID Connect) the sign-in tests start: `agency`, `agency_sign_in`.
pytest_plugins = ["tests.oidc_provider.fixtures"]

User = get_user_model()
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def forget_minerals(provision, version: int) -> None:
    """Make a version look as if written before history recorded minerals."""
    from provisions.models import HistoricalProvisionMineral

    record = provision.history.get(version=version)
    HistoricalProvisionMineral.objects.filter(history_id=record.history_id).delete()
    type(record).objects.filter(pk=record.pk).update(minerals_recorded=False)


def agree_all(provision):
    """Each participant's lead agrees the provision's current text through the service: the
    consensus agreed ad referendum and agreed need. Answers the provision as stored."""
    from negotiations.services import position_record
    from provisions.models import Provision

    provision = Provision.objects.get(pk=provision.pk)
    participants = provision.agreement.participations.filter(
        standing=Participation.Standing.PARTICIPANT
    ).select_related("party")
    for participation in participants:
        lead = Membership.objects.get(party=participation.party, role=Membership.Role.LEAD).user
        position_record(
            actor=actor_for(lead),
            provision=provision,
            party=participation.party,
            stance="agree",
            seen_version=provision.version,
        )
    return provision


def need_service(reason: str) -> None:
    """Skip when a real service is missing, or fail when CI said the services must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"Required service unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids repeat across rolled-back tests, cached figures
    keyed by them must not."""
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class World:
    agreement: object
    chapter: object
    mineral: object
    us: object
    eu: object
    jp: object

    def user(self, party_code: str, role: str):
        """The user holding `role` in the delegation of `party_code` (us-lead, eu-observer, ...)."""
        return Membership.objects.get(
            party__code=party_code, role=role, user__username=f"{party_code.lower()}-{role}"
        ).user


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """The small negotiation of `world`, for a fixture of wider scope that made the database
    available itself."""
    agreement = AgreementFactory(title="Plurilateral Agreement on Trade in Critical Minerals")
    us = PartyFactory(code="US", name="United States", lead_agency="USTR")
    eu = PartyFactory(code="EU", name="European Union", lead_agency="DG TRADE")
    jp = PartyFactory(code="JP", name="Japan", lead_agency="METI")
    ParticipationFactory(agreement=agreement, party=us)
    ParticipationFactory(agreement=agreement, party=eu)
    ParticipationFactory(agreement=agreement, party=jp, standing=Participation.Standing.OBSERVER)
    for party in (us, eu, jp):
        for role in Membership.Role.values:
            MembershipFactory(
                user=UserFactory(username=f"{party.code.lower()}-{role}"), party=party, role=role
            )
    UserFactory(username="secretariat", is_staff=True)
    return World(
        agreement=agreement,
        chapter=ChapterFactory(agreement=agreement, number=2, title="Trade measures"),
        mineral=MineralFactory(agreement=agreement, name="Lithium"),
        us=us,
        eu=eu,
        jp=jp,
    )


@pytest.fixture
def secretariat(world):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="secretariat")


def _names_parties_other_than(code: str, body: str) -> bool:
    document = brackets.parse(body).document
    return any(
        node.parties and set(node.parties) != {code}
        for paragraph in document.paragraphs
        for kind, node in brackets.walk(paragraph.children)
        if kind == "open"
    )


@pytest.fixture
def make_provision(world):
    """Table a provision through the service, as us-negotiator unless told otherwise."""
    return provision_maker(world)


def provision_maker(world: World):
    """`make_provision` for a fixture of wider scope that built its world with `build_world`."""
    counter = iter(range(1, 10_000))

    def make(body: str = "The Parties shall cooperate.", *, by=None, **fields):
        defaults = {
            "agreement": world.agreement,
            "chapter": world.chapter,
            "number": f"2.{next(counter)}",
            "heading": "Reference prices",
            "category": "trade_measures",
            "body": body,
        }
        if by is None and _names_parties_other_than("US", body):
            # A US text with the other parties' alternatives already in: the parties sent it in,
            # the secretariat tables it as such (no party writes another's language).
            by = User.objects.get(username="secretariat")
            defaults |= {"proposed_by": world.us, "tabled_from": "The parties' consolidated draft"}
        author = by or world.user("US", "negotiator")
        return provision_services.provision_create(
            actor=actor_for(author), **{**defaults, **fields}
        )

    return make


@pytest.fixture
def api():
    """An API client signed in as the given user: api(user).get(...)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
