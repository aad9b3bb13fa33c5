import pytest
from rest_framework.test import APIClient

from tests.factories import make_token


def test_everyone_signed_in_reads_parties(world, api):
    codes = [
        p["code"]
        for p in api(world.user("JP", "observer")).get("/api/v1/parties/").json()["results"]
    ]
    assert codes == ["EU", "JP", "US"]


def test_secretariat_registers_and_edits_a_party_but_not_its_code(world, api, secretariat):
    client = api(secretariat)
    created = client.post(
        "/api/v1/parties/",
        {"code": "KR", "name": "Republic of Korea", "lead_agency": "MOTIE", "colour": "#123456"},
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/parties/{created.json()['id']}/"
    updated = client.patch(url, {"lead_agency": "Ministry of Trade", "code": "XX"})
    assert updated.status_code == 200
    assert updated.json()["lead_agency"] == "Ministry of Trade"
    assert updated.json()["code"] == "KR"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "us", "name": "x", "lead_agency": "y"}, "code"),
        ({"code": "US", "name": "x", "lead_agency": "y"}, "code"),
        ({"code": "KR", "name": "x", "lead_agency": "y", "colour": "red"}, "colour"),
        ({"code": "KR", "lead_agency": "y"}, "name"),
    ],
)
def test_party_validation_names_the_field(world, api, secretariat, payload, field):
    response = api(secretariat).post("/api/v1/parties/", payload)
    assert response.status_code == 400
    assert field in response.json()


def test_agreements_are_listed_for_participants_only(world, api, secretariat):
    from tests.factories import AgreementFactory, MembershipFactory, PartyFactory

    AgreementFactory(title="Another agreement")
    outsider = MembershipFactory(party=PartyFactory(code="KR")).user
    assert api(world.user("US", "observer")).get("/api/v1/agreements/").json()["count"] == 1
    assert api(secretariat).get("/api/v1/agreements/").json()["count"] == 2
    assert api(outsider).get("/api/v1/agreements/").json()["count"] == 0
    assert api(outsider).get(f"/api/v1/agreements/{world.agreement.pk}/").status_code == 404


def test_agreement_detail_lists_participants(world, api):
    data = api(world.user("EU", "lead")).get(f"/api/v1/agreements/{world.agreement.pk}/").json()
    assert [(p["party"], p["standing"]) for p in data["participants"]] == [
        ("EU", "participant"),
        ("JP", "observer"),
        ("US", "participant"),
    ]


def test_secretariat_creates_agreement_admits_party_and_updates(world, api, secretariat):
    client = api(secretariat)
    created = client.post("/api/v1/agreements/", {"title": "Second agreement", "status": "scoping"})
    assert created.status_code == 201
    url = f"/api/v1/agreements/{created.json()['id']}/"
    admitted = client.post(f"{url}participants/", {"party": "EU", "joined_on": "2026-11-01"})
    assert admitted.status_code == 201, admitted.json()
    assert (
        client.post(f"{url}participants/", {"party": "EU", "joined_on": "2026-11-01"}).status_code
        == 400
    )
    assert client.patch(url, {"status": "negotiating"}).json()["status"] == "negotiating"
    assert client.patch(url, {"status": "finished"}).status_code == 400
    assert (
        api(world.user("US", "lead"))
        .patch(f"/api/v1/agreements/{world.agreement.pk}/", {"title": "Mine"})
        .status_code
        == 403
    )


def test_chapters_and_minerals(world, api, secretariat):
    client = api(secretariat)
    chapter = client.post(
        "/api/v1/chapters/", {"agreement": world.agreement.pk, "number": 8, "title": "Stockpiling"}
    )
    assert chapter.status_code == 201
    duplicate = client.post(
        "/api/v1/chapters/", {"agreement": world.agreement.pk, "number": 8, "title": "Again"}
    )
    assert duplicate.status_code == 400
    mineral = client.post(
        "/api/v1/minerals/",
        {"agreement": world.agreement.pk, "name": "Gallium", "hs_codes": ["8112.92"]},
    )
    assert mineral.status_code == 201
    bad = client.post(
        "/api/v1/minerals/", {"agreement": world.agreement.pk, "name": "Tin", "hs_codes": ["tin"]}
    )
    assert bad.status_code == 400 and "hs_codes" in bad.json()
    url = f"/api/v1/minerals/{mineral.json()['id']}/"
    assert client.patch(url, {"hs_codes": ["8112.92", "8112.99"]}).json()["hs_codes"] == [
        "8112.92",
        "8112.99",
    ]
    reader = api(world.user("US", "reviewer"))
    assert reader.get(f"/api/v1/minerals/?agreement={world.agreement.pk}").json()["count"] == 2
    assert reader.get(f"/api/v1/chapters/?agreement={world.agreement.pk}").json()["count"] == 2
    assert (
        reader.post(
            "/api/v1/chapters/", {"agreement": world.agreement.pk, "number": 9, "title": "x"}
        ).status_code
        == 403
    )


def test_token_authentication(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(world.user('US', 'lead'))}")
    assert client.get("/api/v1/agreements/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/agreements/").status_code == 401


def test_no_password_gets_a_token_through_the_api(world, api):
    """Tokens come from the page after a full sign-in (two-factor included), never from a password."""
    user = world.user("US", "lead")
    user.set_password("correct horse")
    user.save()
    body = {"username": "us-lead", "password": "correct horse"}
    assert api().post("/api/v1/auth/token/", body).status_code == 404


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"code": null}', '{"code": {"a": 1}}'])
def test_garbage_bodies_are_400_not_500(world, api, secretariat, body):
    response = api(secretariat).post("/api/v1/parties/", body, content_type="application/json")
    assert response.status_code == 400
