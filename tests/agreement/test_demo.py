import pytest
from django.core.management import CommandError, call_command

from agreement.models import Agreement, Chapter, Mineral
from negotiations.models import ActionItem, Comment, Position, Proposal, Resolution, Round
from parties.models import Membership, Party
from provisions import brackets
from provisions.models import Category, Provision

MODELS = [
    Party,
    Membership,
    Agreement,
    Chapter,
    Mineral,
    Provision,
    Round,
    Position,
    Comment,
    ActionItem,
    Proposal,
    Resolution,
]


def counts() -> dict[str, int]:
    counted = {model.__name__: model.objects.count() for model in MODELS}
    counted["provision versions"] = Provision.history.count()
    return counted


@pytest.mark.django_db
def test_load_demo_twice_gives_the_same_counts(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    first = counts()
    output = capsys.readouterr().out
    call_command("load_demo")
    assert counts() == first
    assert (
        "us-lead" in output
        and "eu-negotiator" in output
        and "Password for every demo user" in output
    )


@pytest.mark.django_db
def test_demo_content_covers_the_seed(settings):
    settings.DEBUG = True
    call_command("load_demo")
    assert set(Party.objects.values_list("code", flat=True)) == {"US", "EU", "JP", "AU"}
    assert set(Provision.objects.values_list("category", flat=True)) == set(Category.values)
    assert Provision.objects.filter(bracket_count__gt=0).count() >= 5
    assert Provision.objects.filter(status="agreed").exists()
    assert Round.objects.get(number=1).is_closed and not Round.objects.get(number=2).is_closed
    assert Comment.objects.filter(visibility="delegation").exists()
    assert Comment.objects.filter(visibility="shared").exists()
    minerals = set(Mineral.objects.values_list("name", flat=True))
    assert {
        "Lithium",
        "Cobalt",
        "Nickel",
        "Graphite",
        "Rare earth elements",
        "Gallium",
        "Germanium",
    } <= minerals
    for code in ("us", "eu", "jp", "au"):
        for role in Membership.Role.values:
            assert Membership.objects.filter(user__username=f"{code}-{role}", role=role).exists()
    for provision in Provision.objects.all():
        assert brackets.parse(provision.body).ok
    # Some provisions changed after Round 1 closed: the round-as-of text differs from today's.
    assert Provision.objects.filter(version__gt=3).exists()


@pytest.mark.django_db
def test_load_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")
    assert not Party.objects.exists()
    call_command("load_demo", "--force")
    assert Party.objects.exists()


@pytest.mark.django_db
def test_the_demo_shows_the_negotiation_rules_at_work(settings):
    from provisions.selectors import ConsentState, agree_consents

    settings.DEBUG = True
    call_command("load_demo")

    states = dict(Proposal.objects.values_list("provision__number", "state"))
    assert states == {"2.1": "incorporated", "2.3": "tabled"}
    article = Provision.objects.get(number="2.1")
    assert "[US: temporary] border adjustment" in article.body
    assert article.history.latest().history_change_reason.startswith("Incorporated US proposal #")

    (waiting,) = Resolution.objects.filter(state="pending")
    answered = set(waiting.consents.values_list("party__code", flat=True))
    asked = set(waiting.concerned.values_list("code", flat=True))
    assert asked - answered == {"EU"}  # waiting for one party's consent

    agreed = Provision.objects.filter(status="agreed")
    assert agreed.exists()
    for provision in agreed:  # by consensus: every participant agreed this text
        assert {c.state for c in agree_consents(provision)} == {ConsentState.CURRENT}
    stale = {c.party.code: c.state for c in agree_consents(Provision.objects.get(number="2.4"))}
    assert stale["US"] == ConsentState.STALE
