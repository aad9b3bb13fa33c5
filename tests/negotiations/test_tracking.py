"""Rounds, the positions matrix, progress figures and action item filters."""

import datetime

import pytest
from django.utils import timezone

from negotiations.services import position_record, round_close, round_create
from parties.access import actor_for
from provisions import services as provision_services
from tests.conftest import agree_all


@pytest.fixture
def round_1(world, secretariat):
    today = timezone.localdate()
    return round_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=today,
        ends_on=today,
    )


def test_lead_closes_a_round_once(world, api, round_1):
    url = f"/api/v1/rounds/{round_1.pk}/close/"
    assert api(world.user("US", "negotiator")).post(url).status_code == 403
    closed = api(world.user("EU", "lead")).post(url)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    again = api(world.user("US", "lead")).post(url)
    assert again.status_code == 409
    assert "was closed at" in again.json()["detail"]


def test_round_changes_lists_what_changed_during_the_round(
    world, api, make_provision, secretariat, round_1
):
    before = make_provision("Tabled before the round closed.", number="2.1")
    round_close(actor=actor_for(secretariat), round_=round_1)
    round_2 = round_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        number=2,
        venue="Brussels",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=before,
        expected_version=1,
        body="Amended in Round 2.",
    )
    client = api(world.user("US", "reviewer"))
    in_round_1 = client.get(f"/api/v1/rounds/{round_1.pk}/changes/").json()
    in_round_2 = client.get(f"/api/v1/rounds/{round_2.pk}/changes/").json()
    assert [(p["number"], p["kind"]) for p in in_round_1["provisions"]] == [("2.1", "added")]
    assert [(p["number"], p["kind"]) for p in in_round_2["provisions"]] == [("2.1", "changed")]
    assert in_round_2["to"]["label"] == "now"


def test_progress_figures_now_per_chapter_and_at_each_close(
    world, api, make_provision, secretariat, round_1
):
    make_provision("The Parties [US: shall][EU: should] act [on prices].", number="2.1")
    agreed = make_provision("Clean text.", number="2.2")
    lead = actor_for(world.user("US", "lead"))
    for status in ("tabled", "under_negotiation"):
        agreed = provision_services.provision_set_status(
            actor=lead, provision=agreed, status=status
        )
    agreed = provision_services.provision_set_status(
        actor=lead, provision=agree_all(agreed), status="agreed"
    )
    round_close(actor=actor_for(secretariat), round_=round_1)
    make_provision("[EU: Later] text.", number="2.3")

    data = (
        api(world.user("JP", "observer"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/progress/")
        .json()
    )
    figures = data["figures"]
    assert figures["provisions"] == 3
    assert figures["by_status"]["agreed"] == 1 and figures["by_status"]["draft"] == 2
    assert figures["agreed_share"] == pytest.approx(1 / 3, abs=1e-3)
    assert figures["brackets"] == {"total": 4, "unattributed": 1, "by_party": {"EU": 2, "US": 1}}
    assert [c["number"] for c in data["chapters"]] == [2]
    [at_close] = data["rounds"]
    assert at_close["number"] == 1
    assert at_close["figures"]["provisions"] == 2
    assert at_close["figures"]["brackets"]["by_party"] == {"EU": 1, "US": 1}


def test_progress_follows_every_edit(world, api, make_provision):
    provision = make_provision("[US: one] [EU: two]")
    url = f"/api/v1/agreements/{world.agreement.pk}/progress/"
    client = api(world.user("US", "lead"))
    assert client.get(url).json()["figures"]["brackets"]["total"] == 2
    provision_services.provision_update(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        expected_version=1,
        body="[EU: two]",
    )
    assert client.get(url).json()["figures"]["brackets"]["total"] == 1


def test_positions_matrix_shows_stances_never_internal_notes(
    world, api, make_provision, django_assert_max_num_queries
):
    first = make_provision(number="2.1")
    make_provision(number="2.2")
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=first,
        party=world.eu,
        stance="reserve",
        note="Pending analysis",
        internal_note="EU-only reasoning",
    )
    client = api(world.user("EU", "lead"))
    response = client.get(f"/api/v1/agreements/{world.agreement.pk}/positions-matrix/")
    data = response.json()
    assert data["parties"] == ["EU", "JP", "US"]
    row = data["provisions"][0]
    assert row["number"] == "2.1"
    assert row["positions"]["EU"]["stance"] == "reserve"
    assert row["positions"]["US"] is None
    assert "EU-only reasoning" not in response.content.decode()


def test_positions_matrix_queries_do_not_grow(
    world, api, make_provision, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/agreements/{world.agreement.pk}/positions-matrix/"
    for _ in range(3):
        make_provision()
    client = api(world.user("US", "lead"))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        position_record(
            actor=actor_for(world.user("US", "lead")),
            provision=make_provision(),
            party=world.us,
            stance="support",
        )
    client = api(world.user("US", "lead"))
    with django_assert_num_queries(len(few)):
        client.get(url)


@pytest.fixture
def items(world, api):
    lead = api(world.user("US", "lead"))
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    created = {}
    for key, payload, client in [
        (
            "mine",
            {"title": "Mine", "owner_party": "US", "assignee": "us-negotiator", "due_on": tomorrow},
            lead,
        ),
        (
            "overdue",
            {"title": "Late", "owner_party": "US", "assignee": "us-lead", "due_on": yesterday},
            lead,
        ),
        ("eu", {"title": "EU task", "owner_party": "EU"}, api(world.user("EU", "lead"))),
    ]:
        response = client.post(
            "/api/v1/action-items/", {"agreement": world.agreement.pk, **payload}
        )
        assert response.status_code == 201, response.json()
        created[key] = response.json()
    return created


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mine=true", {"Mine"}),
        ("my_party=true", {"Mine", "Late"}),
        ("overdue=true", {"Late"}),
        ("", {"Mine", "Late", "EU task"}),
    ],
)
def test_action_item_filters(world, api, items, query, expected):
    rows = (
        api(world.user("US", "negotiator")).get(f"/api/v1/action-items/?{query}").json()["results"]
    )
    assert {row["title"] for row in rows} == expected


def test_past_due_item_is_allowed_and_flagged(world, api, items):
    assert items["overdue"]["overdue"] is True
    assert items["mine"]["overdue"] is False
