"""Every resource with an update route takes back the body its own GET returned.

For each `PUT`/`PATCH` path of the OpenAPI schema, a user allowed to update the object reads it,
sends the body back as PUT (where the route has one) and as PATCH, with the ETag as If-Match
where the GET gave one. The answer is 200, read-only fields are ignored, and the object reads the
same afterwards: never a 500 because a field the caller cannot change was echoed.
"""

import datetime
import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from negotiations import services as negotiation_services
from parties.access import actor_for

API = "/api/v1/"
# What a write itself moves on: the version number, the time of the write, the history list.
BOOKKEEPING = {"version", "updated_at", "history"}


def _update_routes() -> dict[str, set[str]]:
    """Collection name (e.g. `action-items`) → the update methods its detail route documents."""
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    routes = {}
    for path, operations in document["paths"].items():
        rest = path.removeprefix(API).split("/")
        if len(rest) == 3 and rest[1] == "{id}" and rest[2] == "":
            methods = {method for method in ("put", "patch") if method in operations}
            if methods:
                routes[rest[0]] = methods
    return routes


ROUTES = _update_routes()


def _party(world, make_provision):
    return world.us, "secretariat"


def _agreement(world, make_provision):
    return world.agreement, "secretariat"


def _chapter(world, make_provision):
    return world.chapter, "secretariat"


def _mineral(world, make_provision):
    world.mineral.hs_codes = ["2825.20"]
    world.mineral.save()
    return world.mineral, "secretariat"


def _round(world, make_provision):
    round_ = negotiation_services.round_create(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        number=1,
        venue="Brussels",
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 6),
    )
    return round_, "us-lead"


def _position(world, make_provision):
    provision = make_provision()
    position = negotiation_services.position_record(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        party=world.us,
        stance="reserve",
        note="For all",
        internal_note="Ours alone",
    )
    return position, "us-lead"


def _comment(world, make_provision):
    comment = negotiation_services.comment_create(
        actor=actor_for(world.user("US", "reviewer")),
        provision=make_provision(),
        body="A shared remark",
    )
    return comment, "us-reviewer"


def _action_item(world, make_provision):
    item = negotiation_services.action_item_create(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        title="Consult capital",
        description="On the reference price",
        owner_party=world.us,
        assignee=world.user("US", "negotiator"),
        due_on=datetime.date(2027, 1, 15),
        provision=make_provision(),
    )
    return item, "us-lead"


def _proposal_for_a_provision(world, make_provision):
    provision = make_provision("The Parties shall cooperate.")
    proposal = negotiation_services.proposal_create(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        base_version=provision.version,
        body="The Parties shall cooperate closely.",
        note="Closer",
    )
    return proposal, "us-negotiator"


def _proposal_for_a_new_provision(world, make_provision):
    proposal = negotiation_services.proposal_create(
        actor=actor_for(world.user("US", "negotiator")),
        agreement=world.agreement,
        chapter=world.chapter,
        number="2.9",
        heading="Stockpiles",
        category="stockpiling",
        body="The Parties shall share stockpile data.",
    )
    return proposal, "us-negotiator"


def _provision(world, make_provision):
    return make_provision("The Parties [US: shall] cooperate.", minerals=[world.mineral]), (
        "us-negotiator"
    )


CASES = {
    "parties": [_party],
    "agreements": [_agreement],
    "chapters": [_chapter],
    "minerals": [_mineral],
    "rounds": [_round],
    "positions": [_position],
    "comments": [_comment],
    "action-items": [_action_item],
    "proposals": [_proposal_for_a_provision, _proposal_for_a_new_provision],
    "provisions": [_provision],
}


def test_every_update_route_has_a_case():
    assert set(ROUTES) == set(CASES)


def _user(world, name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def _read(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json(), response.headers.get("ETag")


def _content(body: dict) -> dict:
    return {key: value for key, value in body.items() if key not in BOOKKEEPING}


@pytest.mark.parametrize(
    "collection,make",
    [(collection, make) for collection, makers in CASES.items() for make in makers],
    ids=lambda value: value if isinstance(value, str) else value.__name__.strip("_"),
)
def test_an_update_with_the_body_its_get_returned_changes_nothing(
    collection, make, world, make_provision, api
):
    instance, username = make(world, make_provision)
    client = api(_user(world, username))
    url = f"{API}{collection}/{instance.pk}/"
    before, _ = _read(client, url)
    for method in sorted(ROUTES[collection], reverse=True):  # put, then patch
        body, etag = _read(client, url)
        headers = {"HTTP_IF_MATCH": etag} if etag else {}
        response = getattr(client, method)(url, body, format="json", **headers)
        assert response.status_code == 200, (method, response.content)
        after, _ = _read(client, url)
        assert _content(after) == _content(before), method
