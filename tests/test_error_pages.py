import pytest
from django.test import override_settings


def test_404_is_friendly(world, client):
    client.force_login(world.user("US", "lead"))
    response = client.get("/provisions/999999/")
    assert response.status_code == 404
    assert b"Nothing here" in response.content and b"Back to the agreements" in response.content


def test_403_says_why_and_that_nothing_changed(world, client, make_provision):
    client.force_login(world.user("US", "observer"))
    response = client.post(
        f"/provisions/{make_provision().pk}/status/", {"status": "tabled", "version": 1}
    )
    assert response.status_code == 403
    assert b"does not allow you to change status" in response.content
    assert b"Nothing was changed" in response.content


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_500_page_renders_without_the_database_or_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong on our side" in html


def test_oversized_api_body_is_a_json_400_naming_the_limit(world, api, make_provision):
    import json

    provision = make_provision()
    client = api(world.user("US", "negotiator"))
    body = json.dumps({"body": "x" * 6_000_000, "version": 1})
    response = client.patch(
        f"/api/v1/provisions/{provision.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "larger than 5 MB" in response.json()["detail"]
