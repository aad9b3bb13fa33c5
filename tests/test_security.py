"""Sessions through a Redis outage, CSRF, the Content Security Policy, hostile text, /healthz.
(Sign-in throttling: tests/parties/test_signin_throttle.py.)"""

import socket

import pytest
from django.test import Client

from parties.access import actor_for
from provisions import services as provision_services
from tests.conftest import need_service


def test_a_sign_out_during_a_redis_outage_stays_signed_out(world, client, settings):
    """Sessions live in the database alone: a session signed out while the cache was down
    cannot come back from the cache with it."""
    if not settings.REDIS_URL:
        need_service("needs Redis (set REDIS_URL)")
    reachable = settings.CACHES
    client.force_login(world.user("EU", "negotiator"))
    assert client.get("/").status_code == 302  # to the agreement: signed in
    signed_in_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        settings.CACHES = {
            "default": {
                **reachable["default"],
                "LOCATION": f"redis://127.0.0.1:{placeholder.getsockname()[1]}/0",
            }
        }
        assert client.post("/accounts/logout/").status_code == 302
    settings.CACHES = reachable
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_cookie  # e.g. a copied cookie
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_forms_refuse_posts_without_the_csrf_token(world, make_provision):
    provision = make_provision()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("US", "negotiator"))
    for url, data in [
        (f"/provisions/{provision.pk}/edit/", {"heading": "h", "body": "x", "version": 1}),
        (f"/provisions/{provision.pk}/comments/", {"body": "x", "visibility": "shared"}),
        ("/watches/", {"provision": provision.pk}),
        ("/accounts/logout/", {}),
    ]:
        assert client.post(url, data).status_code == 403, url


def test_every_page_carries_a_strict_content_security_policy(world, client):
    client.force_login(world.user("US", "lead"))
    for url in ["/", f"/agreements/{world.agreement.pk}/", "/api/docs/", "/accounts/login/"]:
        response = client.get(url, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert "<script>" not in response.content.decode().replace("<script src=", "")


def test_hostile_text_is_shown_as_text(world, client, make_provision):
    hostile = '<script>alert("x")</script> <img src=x onerror=alert(1)> { MERGEFIELD name } [US: <b>bold</b>]'
    provision = make_provision(hostile)
    client.force_login(world.user("US", "lead"))
    for url in [
        f"/provisions/{provision.pk}/",
        f"/provisions/{provision.pk}/history/",
        f"/agreements/{world.agreement.pk}/provisions/?q=script",
    ]:
        page = client.get(url).content.decode()
        assert (
            "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
        ), url
    provision_services.provision_update(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        expected_version=1,
        body=hostile + " more",
    )
    compare = client.get(f"/provisions/{provision.pk}/compare/").content.decode()
    assert "<script>alert" not in compare and "&lt;script&gt;" in compare


def test_healthz_reports_each_service(client, db, settings):
    response = client.get("/healthz")
    data = response.json()
    assert data["database"] == "ok"
    if settings.REDIS_URL:
        assert data["redis"] == "ok"
    else:
        assert data["redis"].startswith("not configured") and data["workers"] == "in-process"
    assert response.status_code == 200 and data["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/api/v1/provisions/?search=%00", None),
        ("get", "/api/v1/provisions/?party=%00US", None),
        ("post", "/api/v1/positions/", {"provision": 1, "party": "\x00US", "stance": "support"}),
        ("post", "/api/v1/comments/", '{"provision": 1, "body": "a\\u0000b"}'),
    ],
)
def test_nul_characters_are_refused_cleanly(world, api, method, url, data):
    client = api(world.user("US", "lead"))
    if isinstance(data, str):
        response = client.post(url, data, content_type="application/json")
    else:
        response = getattr(client, method)(url, data)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_lists_cannot_be_sorted_by_fields_one_cannot_read(world, api, make_provision):
    from negotiations.services import position_record

    provision = make_provision()
    for party, note in ((world.us, "aaa US"), (world.eu, "zzz EU")):
        position_record(
            actor=actor_for(world.user(party.code, "lead")),
            provision=provision,
            party=party,
            stance="support",
            internal_note=note,
        )
    client = api(world.user("EU", "lead"))
    ascending = client.get("/api/v1/positions/?ordering=internal_note").json()["results"]
    descending = client.get("/api/v1/positions/?ordering=-internal_note").json()["results"]
    assert [p["party"] for p in ascending] == [
        p["party"] for p in descending
    ]  # the order reveals nothing
    ordered = client.get("/api/v1/provisions/?ordering=-number").json()["results"]
    assert ordered and ordered[0]["number"] == provision.number  # declared fields still sort
