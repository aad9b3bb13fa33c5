"""The proposal and resolution lists, and the provision page that shows them, read in a number of
queries that does not grow with the number of rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.services import proposal_create, proposal_table, resolution_propose
from parties.access import actor_for


def _negotiate(world, make_provision, secretariat, count: int):
    provisions = []
    for index in range(count):
        provision = make_provision(f"Each Party shall act [annually][EU: every {index} years].")
        us = actor_for(world.user("US", "negotiator"))
        proposal = proposal_create(
            actor=us,
            provision=provision,
            base_version=provision.version,
            body=provision.body.replace("Each Party shall act", "Each Party shall act promptly"),
        )
        proposal_table(actor=us, proposal=proposal)
        resolution_propose(
            actor=actor_for(secretariat),
            provision=provision,
            base_version=provision.version,
            body=provision.body.replace(f"[annually][EU: every {index} years]", "annually"),
        )
        provisions.append(provision)
    return provisions


def _queries(client, url: str) -> int:
    client.get(url)  # warm: what is cached per process is not a query per row
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_lists_read_the_same_number_of_queries_for_two_rows_as_for_six(
    world, api, make_provision, secretariat
):
    _negotiate(world, make_provision, secretariat, 2)
    client = api(world.user("EU", "lead"))
    few = {url: _queries(client, url) for url in ("/api/v1/proposals/", "/api/v1/resolutions/")}
    _negotiate(world, make_provision, secretariat, 4)
    many = {url: _queries(client, url) for url in few}
    assert many == few


def test_the_provision_page_does_not_grow_with_its_proposals(
    world, client, make_provision, secretariat
):
    (provision,) = _negotiate(world, make_provision, secretariat, 1)
    client.force_login(world.user("EU", "lead"))
    url = f"/provisions/{provision.pk}/"
    one = _queries(client, url)
    us = actor_for(world.user("US", "negotiator"))
    for index in range(3):
        proposal = proposal_create(
            actor=us,
            provision=provision,
            base_version=provision.version,
            body=provision.body + f" [US: addition {index}]",
        )
        proposal_table(actor=us, proposal=proposal)
    assert _queries(client, url) == one
