"""The provision page's actions: live validation, edit in place, status, comments, positions, presence."""

from negotiations.models import Comment, Position
from provisions.models import Provision


def test_live_validation_reports_errors_with_position_or_the_count(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("EU", "negotiator"))
    url = f"/provisions/{provision.pk}/validate/"
    broken = client.post(url, {"body": "Fine.\n[EU: open"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Line 2, column 1" in broken
    unknown = client.post(url, {"body": "[AU: shall]"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Unknown party code" in unknown
    fine = client.post(
        url, {"body": "[US: shall][EU: should]"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Brackets balanced" in fine and "2 brackets" in fine


def test_edit_in_place_returns_the_form_fragment_and_redirects_after_saving(
    world, client, make_provision
):
    provision = make_provision("Old.")
    client.force_login(world.user("US", "negotiator"))
    fragment = client.get(
        f"/provisions/{provision.pk}/edit/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.startswith('<div id="edit-area">') and "<html" not in fragment
    saved = client.post(
        f"/provisions/{provision.pk}/edit/",
        {"heading": "Reference prices", "body": "New.", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 204
    assert saved["HX-Redirect"] == f"/provisions/{provision.pk}/"
    assert Provision.objects.get(pk=provision.pk).body == "New."


def test_lead_changes_status_from_the_page(world, client, make_provision):
    provision = make_provision()  # proposed by the US: only its lead (or the secretariat) tables it
    client.force_login(world.user("EU", "lead"))
    assert "Change status" not in client.get(f"/provisions/{provision.pk}/").content.decode()
    client.force_login(world.user("US", "lead"))
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "Change status" in page and 'value="tabled"' in page and 'value="agreed"' not in page
    assert '<option value="" selected>Choose a status…</option>' in page
    unchosen = client.post(
        f"/provisions/{provision.pk}/status/", {"status": "", "version": 1}, follow=True
    )
    assert "Choose one of the statuses offered." in unchosen.content.decode()
    assert Provision.objects.get(pk=provision.pk).version == 1
    response = client.post(
        f"/provisions/{provision.pk}/status/",
        {"status": "tabled", "version": 1, "reason": "Tabled"},
        follow=True,
    )
    assert "is now tabled" in response.content.decode()
    client.force_login(world.user("EU", "negotiator"))
    assert "Change status" not in client.get(f"/provisions/{provision.pk}/").content.decode()
    assert (
        client.post(
            f"/provisions/{provision.pk}/status/", {"status": "draft", "version": 2}
        ).status_code
        == 403
    )


def test_comments_shared_and_delegation_only_from_the_page(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("EU", "reviewer"))
    client.post(
        f"/provisions/{provision.pk}/comments/", {"body": "For everyone", "visibility": "shared"}
    )
    response = client.post(
        f"/provisions/{provision.pk}/comments/",
        {"body": "EU eyes only", "visibility": "delegation"},
        follow=True,
    )
    assert "visible to your delegation" in response.content.decode()
    assert Comment.objects.get(body="EU eyes only").provision_version == 1
    client.force_login(world.user("US", "lead"))
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "For everyone" in page and "EU eyes only" not in page
    client.force_login(world.user("US", "observer"))
    assert "Post comment" not in client.get(f"/provisions/{provision.pk}/").content.decode()


def test_lead_records_own_partys_position(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("US", "lead"))
    client.post(
        f"/provisions/{provision.pk}/position/",
        {"stance": "study_reserve", "note": "Studying", "internal_note": "Ask capital"},
    )
    position = Position.objects.get(provision=provision)
    assert (position.party, position.stance, position.internal_note) == (
        world.us,
        "study_reserve",
        "Ask capital",
    )
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "Record US&#x27;s position" in page or "Record US's position" in page


def test_presence_shows_who_else_is_here_and_who_is_editing(world, client, make_provision):
    from django.test import Client

    provision = make_provision()
    eu, us = Client(), client
    eu.force_login(world.user("EU", "negotiator"))
    us.force_login(world.user("US", "lead"))
    eu.post(f"/provisions/{provision.pk}/presence/?editing=1", HTTP_HX_REQUEST="true")
    seen_by_us = us.post(
        f"/provisions/{provision.pk}/presence/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "EU · eu-negotiator is editing since" in seen_by_us
    seen_by_eu = eu.post(
        f"/provisions/{provision.pk}/presence/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "US · us-lead has this open" in seen_by_eu
    assert "eu-negotiator" not in seen_by_eu  # nobody sees themselves


def test_presence_lapses(world, make_provision):
    import datetime

    from django.utils import timezone

    from parties.access import actor_for
    from provisions.models import Presence
    from provisions.selectors import presence_list
    from provisions.services import presence_touch

    provision = make_provision()
    presence_touch(
        actor=actor_for(world.user("EU", "negotiator")), provision=provision, editing=True
    )
    Presence.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=2))
    assert presence_list(provision) == []
