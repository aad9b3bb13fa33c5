"""Rounds, round detail, action items and minerals pages."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from negotiations.models import ActionItem
from negotiations.services import action_item_create, round_close, round_create
from parties.access import actor_for
from provisions import services as provision_services
from tests.factories import AgreementFactory, MineralFactory


@pytest.fixture(autouse=True)
def _cold_cache():
    """Progress figures are cached under ids that a rolled-back test may reuse: start clean."""
    cache.clear()
    yield
    cache.clear()


def _round(world, secretariat, number, venue):
    today = timezone.localdate()
    return round_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        number=number,
        venue=venue,
        starts_on=today,
        ends_on=today,
    )


@pytest.fixture
def two_rounds(world, secretariat, make_provision):
    """Article 2.1 tabled in Round 1 (closed), then amended and 2.2 tabled in Round 2 (open)."""
    round_1 = _round(world, secretariat, 1, "Washington")
    first = make_provision(
        "1. The Parties [US: shall][EU: should] set reference prices.", number="2.1"
    )
    round_1 = round_close(actor=actor_for(secretariat), round_=round_1)
    round_2 = _round(world, secretariat, 2, "Brussels")
    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=first,
        expected_version=1,
        body="1. The Parties [EU: should] set reference prices [US: transparently].",
    )
    second = make_provision("Offtake agreements are encouraged.", number="2.2", heading="Offtake")
    return round_1, round_2, first, second


def test_round_list_shows_each_round_with_its_state_and_compare_links(world, client, two_rounds):
    round_1, round_2, *_ = two_rounds
    client.force_login(world.user("JP", "observer"))
    response = client.get(f"/agreements/{world.agreement.pk}/rounds/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/rounds/{round_1.pk}/">Round 1</a>' in page
    assert f'href="/rounds/{round_2.pk}/">Round 2</a>' in page
    assert "Washington" in page and "Brussels" in page
    assert page.count(">Closed</span>") == 1 and page.count(">Open</span>") == 1
    compare = f"/agreements/{world.agreement.pk}/compare/"
    assert f'href="{compare}?from=round:1&amp;to=now">Since Round 1</a>' in page
    assert 'aria-current="page">Rounds</a>' in page


def test_round_detail_shows_the_text_as_of_close_from_history(world, client, two_rounds):
    round_1, round_2, first, _ = two_rounds
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/rounds/{round_1.pk}/").content.decode()
    assert "Text as of the close of Round 1" in page
    assert "Chapter 2. Trade measures" in page
    # The text as it stood at the close, with its brackets, not today's amended text.
    assert 'data-parties="US"' in page and "set reference prices" in page
    assert "transparent" not in page
    assert "Offtake" not in page  # tabled after the close
    # Changed during Round 1: 2.1 was added.
    changes = re.findall(r'<table class="changes">(.*?)</table>', page, flags=re.S)[0]
    assert f'href="/provisions/{first.pk}/"' in changes and "Added" in changes
    # Round 2 is open: compare Round 1 with now.
    compare = f"/agreements/{world.agreement.pk}/compare/?from=round:1&amp;to=now"
    assert f'href="{compare}">Compare with Round 2 (so far)</a>' in page
    assert f'href="/rounds/{round_2.pk}/" rel="next">' in page


def test_open_round_lists_its_changes_but_fixes_no_text(world, client, two_rounds):
    round_1, round_2, first, second = two_rounds
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/rounds/{round_2.pk}/").content.decode()
    assert "Round 2 is still open" in page
    changes = re.findall(r'<table class="changes">(.*?)</table>', page, flags=re.S)[0]
    assert f'href="/provisions/{first.pk}/"' in changes and "Changed: text" in changes
    assert f'href="/provisions/{second.pk}/"' in changes and "Added" in changes
    compare = f"/agreements/{world.agreement.pk}/compare/?from=round:1&amp;to=now"
    assert f'href="{compare}">Compare with Round 1</a>' in page
    assert f'href="/rounds/{round_1.pk}/" rel="prev">' in page


def test_round_of_a_foreign_agreement_is_404(world, client, secretariat):
    round_1 = _round(world, secretariat, 1, "Washington")
    from tests.factories import MembershipFactory, PartyFactory

    client.force_login(MembershipFactory(party=PartyFactory(code="KR")).user)
    assert client.get(f"/rounds/{round_1.pk}/").status_code == 404
    assert client.get(f"/agreements/{world.agreement.pk}/rounds/").status_code == 404


@pytest.fixture
def items(world, make_provision, secretariat):
    """EU: one overdue for eu-negotiator, one later for eu-lead, one done; US: one overdue."""
    today = timezone.localdate()
    provision = make_provision(number="2.1")
    round_1 = _round(world, secretariat, 1, "Washington")
    eu_lead, us_lead = actor_for(world.user("EU", "lead")), actor_for(world.user("US", "lead"))

    def item(actor, title, party, assignee, due_in, **links):
        return action_item_create(
            actor=actor,
            agreement=world.agreement,
            title=title,
            owner_party=party,
            assignee=assignee,
            due_on=today + datetime.timedelta(days=due_in),
            **links,
        )

    made = {
        "overdue": item(
            eu_lead,
            "Consult capital on price floors",
            world.eu,
            world.user("EU", "negotiator"),
            -2,
            provision=provision,
        ),
        "later": item(
            eu_lead, "Draft a non-paper", world.eu, world.user("EU", "lead"), 10, round=round_1
        ),
        "done": item(eu_lead, "Circulate the agenda", world.eu, world.user("EU", "lead"), -30),
        "us": item(us_lead, "Send US data", world.us, world.user("US", "negotiator"), -1),
    }
    made["done"].done = True
    made["done"].save()
    return made


def _titles(page: str) -> list[str]:
    return re.findall(r'<span class="item-title">(.*?)</span>', page)


def test_action_item_tabs_filter(world, client, items):
    client.force_login(world.user("EU", "negotiator"))
    url = f"/agreements/{world.agreement.pk}/action-items/"
    assert _titles(client.get(url).content.decode()) == ["Consult capital on price floors"]
    assert _titles(client.get(url + "?show=mine").content.decode()) == [
        "Consult capital on price floors"
    ]
    assert _titles(client.get(url + "?show=my_party").content.decode()) == [
        "Consult capital on price floors",
        "Draft a non-paper",
        "Circulate the agenda",
    ]
    assert _titles(client.get(url + "?show=overdue").content.decode()) == [
        "Consult capital on price floors",
        "Send US data",
    ]
    page = client.get(url + "?show=all").content.decode()
    assert len(_titles(page)) == 4
    assert 'Mine <span class="tab-count">(1)</span>' in page
    assert 'My party’s <span class="tab-count">(3)</span>' in page
    assert 'Overdue <span class="tab-count">(2)</span>' in page
    assert 'href="?show=all" aria-current="page"' in page


def test_action_items_show_owner_assignee_due_date_and_links(world, client, items):
    client.force_login(world.user("EU", "negotiator"))
    page = client.get(
        f"/agreements/{world.agreement.pk}/action-items/?show=my_party"
    ).content.decode()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)[1:]
    overdue, later, done = rows
    assert "eu-negotiator" in overdue and "(you)" in overdue and "party-eu" in overdue
    assert ">Overdue</span>" in overdue  # said in words, not colour alone
    assert f'href="/provisions/{items["overdue"].provision_id}/"' in overdue
    assert ">Overdue</span>" not in later and f'href="/rounds/{items["later"].round_id}/"' in later
    assert ">Overdue</span>" not in done and ">Done</span>" in done


def test_toggle_is_offered_only_where_the_service_allows_it(world, client, items):
    client.force_login(world.user("EU", "negotiator"))
    page = client.get(f"/agreements/{world.agreement.pk}/action-items/?show=all").content.decode()
    assert f'action="/action-items/{items["overdue"].pk}/done/"' in page  # the assignee
    assert f'action="/action-items/{items["later"].pk}/done/"' not in page  # eu-lead's
    assert f'action="/action-items/{items["us"].pk}/done/"' not in page
    client.force_login(world.user("EU", "lead"))
    page = client.get(f"/agreements/{world.agreement.pk}/action-items/?show=all").content.decode()
    assert page.count('action="/action-items/') == 3  # every EU item, no US item


def test_toggle_marks_done_and_reopens_with_a_message(world, client, items):
    item = items["overdue"]
    client.force_login(world.user("EU", "negotiator"))
    back_to = f"/agreements/{world.agreement.pk}/action-items/?show=overdue"
    response = client.post(
        f"/action-items/{item.pk}/done/", {"done": "true", "next": back_to}, follow=True
    )
    assert response.redirect_chain == [(back_to, 302)]
    item.refresh_from_db()
    assert item.done and item.done_at is not None
    assert "“Consult capital on price floors” marked done." in response.content.decode()
    assert _titles(response.content.decode()) == ["Send US data"]  # no longer overdue

    response = client.post(f"/action-items/{item.pk}/done/", {"done": "false"}, follow=True)
    item.refresh_from_db()
    assert not item.done and item.done_at is None
    assert "reopened" in response.content.decode()


def test_toggle_is_refused_for_another_partys_item(world, client, items):
    client.force_login(world.user("EU", "lead"))
    response = client.post(f"/action-items/{items['us'].pk}/done/", {"done": "true"})
    assert response.status_code == 403
    assert not ActionItem.objects.get(pk=items["us"].pk).done


def test_toggle_needs_a_post_a_sign_in_and_a_clear_choice(world, client, items):
    url = f"/action-items/{items['overdue'].pk}/done/"
    assert client.post(url, {"done": "true"}).status_code == 302  # to the sign-in page
    client.force_login(world.user("EU", "negotiator"))
    assert client.get(url).status_code == 405
    assert client.post(url, {"done": "maybe"}).status_code == 400
    assert not ActionItem.objects.get(pk=items["overdue"].pk).done


def test_secretariat_may_toggle_any_partys_item(world, client, items, secretariat):
    client.force_login(secretariat)
    page = client.get(f"/agreements/{world.agreement.pk}/action-items/?show=all").content.decode()
    assert page.count('action="/action-items/') == 4
    response = client.post(f"/action-items/{items['us'].pk}/done/", {"done": "true"})
    assert response.status_code == 302
    assert ActionItem.objects.get(pk=items["us"].pk).done


def test_minerals_page_lists_each_minerals_provisions(world, client, make_provision):
    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    both = make_provision(
        number="2.1", heading="Reference prices", minerals=[world.mineral, cobalt]
    )
    make_provision(number="2.2", heading="Offtake", minerals=[world.mineral])
    make_provision(number="2.3", heading="Unrelated")
    client.force_login(world.user("JP", "observer"))
    response = client.get(f"/agreements/{world.agreement.pk}/minerals/")
    assert response.status_code == 200
    page = response.content.decode()
    sections = dict(
        re.findall(r'<h2 id="mineral-\d+-heading">(.*?)</h2>(.*?)</section>', page, flags=re.S)
    )
    assert list(sections) == ["Cobalt", "Lithium"]
    assert re.findall(r'href="/provisions/\d+/">(.*?)</a>', sections["Lithium"]) == [
        "Reference prices",
        "Offtake",
    ]
    assert re.findall(r'href="/provisions/\d+/">(.*?)</a>', sections["Cobalt"]) == [
        "Reference prices"
    ]
    assert "<code>2825.20</code>" in sections["Lithium"]
    assert f'href="/provisions/{both.pk}/"' in sections["Cobalt"]
    assert "Unrelated" not in page


def test_minerals_page_query_count_is_constant(
    world, client, make_provision, django_assert_num_queries
):
    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    client.force_login(world.user("US", "reviewer"))
    url = f"/agreements/{world.agreement.pk}/minerals/"
    for _ in range(5):
        make_provision(minerals=[world.mineral, cobalt])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    for _ in range(45):
        make_provision(minerals=[world.mineral])
    MineralFactory(agreement=world.agreement, name="Nickel")
    with django_assert_num_queries(len(queries)):
        assert client.get(url).status_code == 200


def test_minerals_of_a_foreign_agreement_are_404(world, client):
    client.force_login(world.user("US", "reviewer"))
    assert client.get(f"/agreements/{AgreementFactory().pk}/minerals/").status_code == 404
