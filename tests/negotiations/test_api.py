import pytest

from negotiations.models import Position
from negotiations.services import comment_create, position_record
from parties.access import actor_for


@pytest.fixture
def comments(world, make_provision):
    provision = make_provision()
    shared = comment_create(
        actor=actor_for(world.user("EU", "negotiator")),
        provision=provision,
        body="Shared remark on price floors.",
    )
    internal = comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body="EU internal: hold the line on price floors.",
        visibility="delegation",
    )
    return provision, shared, internal


@pytest.mark.parametrize(
    "reader", [("US", "lead"), ("US", "negotiator"), ("JP", "lead"), ("EU", "observer")]
)
def test_delegation_only_comment_is_invisible_outside_the_delegation(world, api, comments, reader):
    provision, shared, internal = comments
    client = api(world.user(*reader))

    listed = client.get("/api/v1/comments/").json()["results"]
    searched = client.get("/api/v1/comments/?search=internal").json()["results"]
    by_provision = client.get(f"/api/v1/comments/?provision={provision.pk}").json()["results"]

    assert [c["id"] for c in listed] == [shared.pk]
    assert searched == []
    assert [c["id"] for c in by_provision] == [shared.pk]
    assert client.get(f"/api/v1/comments/{internal.pk}/").status_code == 404


def test_secretariat_does_not_see_delegation_comments(world, api, comments, secretariat):
    _, shared, _ = comments
    listed = api(secretariat).get("/api/v1/comments/").json()["results"]
    assert [c["id"] for c in listed] == [shared.pk]


def test_delegation_members_see_their_own_internal_comments(world, api, comments):
    _, shared, internal = comments
    listed = api(world.user("EU", "lead")).get("/api/v1/comments/").json()["results"]
    assert {c["id"] for c in listed} == {shared.pk, internal.pk}
    assert next(c for c in listed if c["id"] == internal.pk)["visibility"] == "delegation"


def test_only_the_author_edits_or_deletes_a_comment(world, api, comments):
    _, shared, _ = comments
    url = f"/api/v1/comments/{shared.pk}/"
    assert api(world.user("EU", "lead")).patch(url, {"body": "Edited"}).status_code == 403
    author = api(world.user("EU", "negotiator"))
    assert author.patch(url, {"body": "Edited"}).json()["body"] == "Edited"
    assert author.delete(url).status_code == 204


def test_comment_on_a_version_that_does_not_exist_is_400(world, api, make_provision):
    response = api(world.user("US", "reviewer")).post(
        "/api/v1/comments/",
        {
            "provision": make_provision().pk,
            "body": "x",
            "provision_version": 5,
        },
    )
    assert response.status_code == 400
    assert "provision_version" in response.json()


def test_position_record_then_replace_keeps_history(world, api, make_provision):
    provision = make_provision()
    client = api(world.user("EU", "lead"))
    first = client.post(
        "/api/v1/positions/",
        {
            "provision": provision.pk,
            "party": "EU",
            "stance": "reserve",
            "note": "WTO analysis pending",
            "internal_note": "Member States split",
        },
    )
    assert first.status_code == 201, first.json()
    second = client.post(
        "/api/v1/positions/",
        {
            "provision": provision.pk,
            "party": "EU",
            "stance": "support",
            "reason": "Capital agreed",
        },
    )
    assert second.status_code == 201
    position = Position.objects.get(provision=provision, party=world.eu)
    assert position.stance == "support"
    reasons = list(
        position.history.order_by("history_date").values_list(
            "history_change_reason", "history_party"
        )
    )
    assert reasons == [("EU position: reserve", "EU"), ("Capital agreed", "EU")]


def test_unknown_stance_is_400_listing_valid_ones(world, api, make_provision):
    response = api(world.user("EU", "lead")).post(
        "/api/v1/positions/",
        {
            "provision": make_provision().pk,
            "party": "EU",
            "stance": "maybe",
        },
    )
    assert response.status_code == 400
    assert "support" in str(response.json()["stance"])


def test_internal_position_note_stays_with_the_delegation(world, api, make_provision):
    provision = make_provision()
    position = position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=provision,
        party=world.eu,
        stance="reserve",
        note="Shared note",
        internal_note="Do not move before the TPC meets",
    )
    own = api(world.user("EU", "reviewer")).get(f"/api/v1/positions/{position.pk}/").json()
    other = api(world.user("US", "lead")).get(f"/api/v1/positions/{position.pk}/").json()
    listed = api(world.user("US", "lead")).get("/api/v1/positions/").json()["results"]
    observer = api(world.user("EU", "observer")).get(f"/api/v1/positions/{position.pk}/").json()

    assert own["internal_note"] == "Do not move before the TPC meets"
    assert "internal_note" not in other
    assert all("internal_note" not in row for row in listed)
    assert "internal_note" not in observer
    assert other["note"] == "Shared note"


def test_position_patch_changes_stance(world, api, make_provision):
    position = position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=make_provision(),
        party=world.eu,
        stance="reserve",
    )
    response = api(world.user("EU", "lead")).patch(
        f"/api/v1/positions/{position.pk}/", {"stance": "oppose"}
    )
    assert response.status_code == 200
    assert response.json()["stance"] == "oppose"
    assert (
        api(world.user("US", "lead"))
        .patch(f"/api/v1/positions/{position.pk}/", {"stance": "support"})
        .status_code
        == 403
    )


def test_rounds_create_update_and_validation(world, api):
    client = api(world.user("US", "lead"))
    response = client.post(
        "/api/v1/rounds/",
        {
            "agreement": world.agreement.pk,
            "number": 3,
            "venue": "Tokyo",
            "starts_on": "2026-09-07",
            "ends_on": "2026-09-11",
        },
    )
    assert response.status_code == 201
    url = f"/api/v1/rounds/{response.json()['id']}/"
    assert client.patch(url, {"venue": "Osaka"}).json()["venue"] == "Osaka"
    bad = client.patch(url, {"ends_on": "2026-09-01"})
    assert bad.status_code == 400
    assert "ends_on" in bad.json()
    assert client.get(f"/api/v1/rounds/?agreement={world.agreement.pk}").json()["count"] == 1


def test_action_items_create_filter_and_done(world, api, make_provision):
    lead = api(world.user("US", "lead"))
    response = lead.post(
        "/api/v1/action-items/",
        {
            "agreement": world.agreement.pk,
            "title": "Circulate methodology",
            "owner_party": "US",
            "assignee": "us-negotiator",
            "due_on": "2020-01-01",
            "provision": make_provision().pk,
        },
    )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["overdue"] is True
    url = f"/api/v1/action-items/{item['id']}/"

    assignee = api(world.user("US", "negotiator"))
    done = assignee.patch(url, {"done": True}).json()
    assert done["done"] is True and done["done_at"] and done["overdue"] is False
    assert (
        lead.get("/api/v1/action-items/?done=true&owner_party=" + str(world.us.pk)).json()["count"]
        == 1
    )
    assert api(world.user("EU", "lead")).patch(url, {"done": False}).status_code == 403


def test_action_item_assignee_must_belong_to_the_owner_party(world, api):
    response = api(world.user("US", "lead")).post(
        "/api/v1/action-items/",
        {
            "agreement": world.agreement.pk,
            "title": "x",
            "owner_party": "US",
            "assignee": "eu-lead",
        },
    )
    assert response.status_code == 400
    assert "assignee" in response.json()
