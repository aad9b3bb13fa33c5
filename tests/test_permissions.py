"""The role matrix: each role × each write × own party / another party, through the API."""

import pytest

ROLES = ["observer", "reviewer", "negotiator", "lead", "staff"]


def _client(world, api, secretariat, role):
    return api(secretariat if role == "staff" else world.user("US", role))


def _party(side):
    return "US" if side == "own" else "EU"


def provision_create(world, client, side, make_provision):
    return client.post(
        "/api/v1/provisions/",
        {
            "agreement": world.agreement.pk,
            "chapter": world.chapter.pk,
            "number": "9.9",
            "heading": "h",
            "category": "final",
            "body": "Text.",
            "proposed_by": _party(side),
        },
    )


def provision_update(world, client, side, make_provision):
    provision = make_provision(by=world.user(_party(side), "negotiator"))
    # A draft's common text: its proposing party drafts it, the chair edits it with a reason.
    return client.patch(
        f"/api/v1/provisions/{provision.pk}/",
        {"body": "New.", "version": 1, "reason": "Redrafted"},
    )


def provision_status(world, client, side, make_provision):
    provision = make_provision(by=world.user(_party(side), "negotiator"))
    return client.post(
        f"/api/v1/provisions/{provision.pk}/status/", {"status": "tabled", "version": 1}
    )


def position_record(world, client, side, make_provision):
    return client.post(
        "/api/v1/positions/",
        {
            "provision": make_provision().pk,
            "party": _party(side),
            "stance": "support",
        },
    )


def comment_shared(world, client, side, make_provision):
    return client.post("/api/v1/comments/", {"provision": make_provision().pk, "body": "Hm."})


def comment_delegation(world, client, side, make_provision):
    return client.post(
        "/api/v1/comments/",
        {
            "provision": make_provision().pk,
            "body": "Internal.",
            "visibility": "delegation",
        },
    )


def action_item_create(world, client, side, make_provision):
    return client.post(
        "/api/v1/action-items/",
        {
            "agreement": world.agreement.pk,
            "title": "Consult capital",
            "owner_party": _party(side),
        },
    )


def round_create(world, client, side, make_provision):
    return client.post(
        "/api/v1/rounds/",
        {
            "agreement": world.agreement.pk,
            "number": 7,
            "venue": "Tokyo",
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-04",
        },
    )


def party_create(world, client, side, make_provision):
    return client.post("/api/v1/parties/", {"code": "KR", "name": "Korea", "lead_agency": "MOTIE"})


OK, NO = "ok", 403
# write: (own-party expectation per role, other-party expectation per role), roles in ROLES order.
MATRIX = {
    provision_create: ([NO, NO, OK, OK, OK], [NO, NO, NO, NO, OK]),
    # Another party's draft is its own to write: others propose (tests/provisions/test_ownership.py).
    provision_update: ([NO, NO, OK, OK, OK], [NO, NO, NO, NO, OK]),
    # Tabling is the proposing party's step (or the secretariat's): see test_status_steps.py.
    provision_status: ([NO, NO, NO, OK, OK], [NO, NO, NO, NO, OK]),
    position_record: ([NO, NO, NO, OK, NO], [NO, NO, NO, NO, NO]),
    comment_shared: ([NO, OK, OK, OK, OK], [NO, OK, OK, OK, OK]),
    comment_delegation: ([NO, OK, OK, OK, 400], [NO, OK, OK, OK, 400]),
    action_item_create: ([NO, NO, NO, OK, OK], [NO, NO, NO, NO, OK]),
    round_create: ([NO, NO, NO, OK, OK], [NO, NO, NO, OK, OK]),
    party_create: ([NO, NO, NO, NO, OK], [NO, NO, NO, NO, OK]),
}
CASES = [
    pytest.param(
        write,
        role,
        side,
        expected[0 if side == "own" else 1][i],
        id=f"{write.__name__}-{role}-{side}",
    )
    for write, expected in MATRIX.items()
    for i, role in enumerate(ROLES)
    for side in ("own", "other")
]


@pytest.mark.parametrize(("write", "role", "side", "expected"), CASES)
def test_role_matrix(world, api, secretariat, make_provision, write, role, side, expected):
    response = write(world, _client(world, api, secretariat, role), side, make_provision)
    if expected == OK:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == expected, response.content


@pytest.mark.parametrize("role", ["observer", "reviewer", "negotiator", "lead"])
def test_observer_standing_party_writes_no_text_and_no_position(world, api, make_provision, role):
    provision = make_provision()
    client = api(world.user("JP", role))
    assert (
        client.patch(f"/api/v1/provisions/{provision.pk}/", {"body": "x", "version": 1}).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/positions/",
            {
                "provision": provision.pk,
                "party": "JP",
                "stance": "support",
            },
        ).status_code
        == 403
    )
