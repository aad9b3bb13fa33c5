import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.services import comment_create, position_record
from parties.access import actor_for


def test_pages_need_sign_in(world, client, make_provision):
    provision = make_provision()
    for url in ["/", f"/agreements/{world.agreement.pk}/", f"/provisions/{provision.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_sign_in_leads_to_the_agreement(world, client):
    user = world.user("EU", "negotiator")
    user.set_password("pw-for-test-1")
    user.save()
    response = client.post(
        "/accounts/login/", {"login": "eu-negotiator", "password": "pw-for-test-1"}, follow=True
    )
    assert response.status_code == 200
    assert world.agreement.title.encode() in response.content
    assert b"eu-negotiator" in response.content


def test_overview_shows_chapters_and_status_counts(world, client, make_provision):
    make_provision("Text [US: shall].", heading="Reference prices")
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    assert "Chapter 2. Trade measures" in page
    assert "Reference prices" in page
    assert "Under negotiation" in page


def _overview_queries(client, world) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/agreements/{world.agreement.pk}/").status_code == 200
    return len(queries)


def test_overview_query_count_does_not_grow_with_provisions(world, client, make_provision):
    client.force_login(world.user("US", "reviewer"))
    for _ in range(5):
        make_provision()
    with_five = _overview_queries(client, world)
    for _ in range(45):
        make_provision()
    assert _overview_queries(client, world) == with_five


def test_provision_page_shows_text_history_positions_and_comments(world, client, make_provision):
    provision = make_provision("1. The Parties [US: shall][EU: should] act.")
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=provision,
        party=world.eu,
        stance="reserve",
        note="Pending analysis",
        internal_note="EU-only reasoning",
    )
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body="EU internal comment",
        visibility="delegation",
    )
    comment_create(
        actor=actor_for(world.user("US", "reviewer")), provision=provision, body="Shared one"
    )

    client.force_login(world.user("US", "lead"))
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert 'data-parties="US"' in page and 'data-parties="EU"' in page
    assert "Pending analysis" in page and "Shared one" in page
    assert "EU-only reasoning" not in page
    assert "EU internal comment" not in page
    assert "Consolidated text tabled by the secretariat" in page  # the history row's reason

    client.force_login(world.user("EU", "lead"))
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "EU-only reasoning" in page and "EU internal comment" in page


def test_provision_of_a_foreign_agreement_is_404(world, client, make_provision):
    from tests.factories import MembershipFactory, PartyFactory

    provision = make_provision()
    client.force_login(MembershipFactory(party=PartyFactory(code="KR")).user)
    assert client.get(f"/provisions/{provision.pk}/").status_code == 404


def test_script_in_text_is_shown_as_text(world, client, make_provision):
    provision = make_provision("The Parties <script>alert(1)</script> [US: shall] act.")
    client.force_login(world.user("US", "lead"))
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_party_colours_stylesheet(world, client):
    world.us.colour = "#1d4f91"
    world.us.save()
    css = client.get("/parties.css").content.decode()
    assert ".party-us { --party-colour: #1d4f91; }" in css
