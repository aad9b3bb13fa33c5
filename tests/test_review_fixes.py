"""Regression tests for what the second review found."""

import pytest
from django.utils import timezone

from negotiations.models import Position
from negotiations.services import position_record, round_close, round_create
from parties.access import actor_for


def test_staff_in_a_delegation_acts_for_that_delegation_only(world, api, make_provision):
    lead = world.user("US", "lead")
    lead.is_staff = True
    lead.save()
    response = api(lead).post(
        "/api/v1/positions/", {"provision": make_provision().pk, "party": "EU", "stance": "oppose"}
    )
    assert response.status_code == 403
    assert not Position.objects.exists()


def test_stale_status_change_is_409_not_500(world, api, make_provision):
    provision = make_provision()
    client = api(world.user("US", "lead"))
    url = f"/api/v1/provisions/{provision.pk}/status/"
    assert client.post(url, {"status": "tabled", "version": 1}).status_code == 200
    stale = client.post(url, {"status": "under_negotiation", "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    unversioned = client.post(url, {"status": "under_negotiation"})
    assert unversioned.status_code == 400 and "version" in unversioned.json()
    by_header = client.post(url, {"status": "under_negotiation"}, HTTP_IF_MATCH='"2"')
    assert by_header.status_code == 200 and by_header["ETag"] == '"3"'


def test_secretariat_delegation_comment_from_the_page_is_refused_kindly(
    world, client, make_provision, secretariat
):
    provision = make_provision()
    client.force_login(secretariat)
    response = client.post(
        f"/provisions/{provision.pk}/comments/", {"body": "x", "visibility": "delegation"}
    )
    assert response.status_code == 302
    assert not provision.comments.exists()


@pytest.mark.parametrize(
    "query", ["?from=2025-02-30", "?from=round:%C2%B2", "?from=now&to=2026-13-01"]
)
def test_impossible_points_in_time_are_400(world, api, client, query):
    assert (
        api(world.user("US", "lead"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/compare/{query}")
        .status_code
        == 400
    )
    client.force_login(world.user("US", "lead"))
    assert client.get(f"/agreements/{world.agreement.pk}/compare/{query}").status_code == 400


def test_superscript_digits_are_not_version_numbers(world, api, make_provision):
    provision = make_provision()
    client = api(world.user("US", "lead"))
    assert client.get(f"/api/v1/provisions/{provision.pk}/diff/?to=%C2%B2").status_code == 400
    assert (
        client.patch(
            f"/api/v1/provisions/{provision.pk}/", {"body": "x"}, HTTP_IF_MATCH='"²"'
        ).status_code
        == 400
    )


def test_a_stance_change_keeps_the_notes(world, api, make_provision):
    provision = make_provision()
    position_record(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        party=world.us,
        stance="reserve",
        note="Shared",
        internal_note="Keep me",
    )
    api(world.user("US", "lead")).post(
        "/api/v1/positions/", {"provision": provision.pk, "party": "US", "stance": "support"}
    )
    position = Position.objects.get()
    assert (position.stance, position.note, position.internal_note) == (
        "support",
        "Shared",
        "Keep me",
    )


def test_a_closed_round_cannot_be_renumbered_or_redated(world, api, secretariat):
    today = timezone.localdate()
    round_1 = round_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=today,
        ends_on=today,
    )
    round_close(actor=actor_for(secretariat), round_=round_1)
    response = api(world.user("US", "lead")).patch(f"/api/v1/rounds/{round_1.pk}/", {"number": 5})
    assert response.status_code == 400 and "closed" in str(response.json())


def test_chapter_renames_show_on_the_dashboard_at_once(world, client, make_provision, secretariat):
    from agreement.services import chapter_update

    make_provision()
    client.force_login(world.user("US", "lead"))
    assert "Trade measures" in client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    chapter_update(actor=actor_for(secretariat), chapter=world.chapter, title="Market measures")
    assert "Market measures" in client.get(f"/agreements/{world.agreement.pk}/").content.decode()
