"""factory_boy factories. Rows that carry history or rules are made through the services instead."""

import datetime

import factory
from django.contrib.auth import get_user_model

from agreement.models import Agreement, Chapter, Mineral, Participation
from parties.access import actor_for
from parties.models import Membership, Party
from parties.tokens import api_token_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Party {o.code}")
    lead_agency = factory.LazyAttribute(lambda o: f"{o.code} trade ministry")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    party = factory.SubFactory(PartyFactory)
    role = Membership.Role.NEGOTIATOR


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Agreement {n}")
    status = Agreement.Status.NEGOTIATING


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    agreement = factory.SubFactory(AgreementFactory)
    party = factory.SubFactory(PartyFactory)
    joined_on = datetime.date(2026, 1, 15)


class ChapterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chapter

    agreement = factory.SubFactory(AgreementFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Chapter title {n}")


class MineralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mineral

    agreement = factory.SubFactory(AgreementFactory)
    name = factory.Sequence(lambda n: f"Mineral {n}")
    hs_codes = factory.LazyFunction(lambda: ["2825.20"])


def make_token(user, *, name: str = "test script", lifetime_days: int = 90) -> str:
    """A new API token for the user, made through the service as the page makes it; its key."""
    return api_token_create(actor=actor_for(user), name=name, lifetime_days=lifetime_days)[1]
