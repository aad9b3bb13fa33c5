import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisions.models import Provision
from tests.factories import MineralFactory

LIST_URL = "/api/v1/provisions/"


def detail_url(provision) -> str:
    return f"/api/v1/provisions/{provision.pk}/"


def test_anonymous_requests_are_refused(world, api, make_provision):
    provision = make_provision()
    assert api().get(LIST_URL).status_code == 401
    assert api().get(detail_url(provision)).status_code == 401


def test_negotiator_creates_a_provision_for_their_party(world, api):
    response = api(world.user("EU", "negotiator")).post(
        LIST_URL,
        {
            "agreement": world.agreement.pk,
            "chapter": world.chapter.pk,
            "number": "2.7",
            "heading": "Offtake agreements",
            "category": "trade_measures",
            "body": "The Parties [EU: shall encourage][may support] offtake agreements.",
            "minerals": [world.mineral.pk],
            "reason": "EU proposal",
        },
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["proposed_by"], data["version"], data["bracket_count"], data["status"]) == (
        "EU",
        1,
        2,
        "draft",
    )
    assert Provision.objects.get(pk=data["id"]).history.get().history_change_reason == "EU proposal"


def test_invalid_fields_get_400_naming_the_field(world, api):
    response = api(world.user("EU", "negotiator")).post(
        LIST_URL,
        {
            "agreement": world.agreement.pk,
            "chapter": world.chapter.pk,
            "number": "2.7",
            "heading": "x",
            "category": "not-a-category",
        },
    )
    assert response.status_code == 400
    assert "category" in response.json()


def test_broken_brackets_get_400_with_line_and_column(world, api):
    response = api(world.user("EU", "negotiator")).post(
        LIST_URL,
        {
            "agreement": world.agreement.pk,
            "chapter": world.chapter.pk,
            "number": "2.7",
            "heading": "x",
            "category": "trade_measures",
            "body": "First.\n\nSecond [EU: unclosed",
        },
    )
    assert response.status_code == 400
    data = response.json()
    assert data["bracket_errors"][0]["line"] == 3
    assert data["bracket_errors"][0]["column"] == 8
    assert "Line 3, column 8" in data["body"][0]
    assert not Provision.objects.exists()


def test_get_returns_etag_and_update_with_if_match(world, api, make_provision):
    provision = make_provision()
    client = api(world.user("US", "negotiator"))
    assert client.get(detail_url(provision))["ETag"] == '"1"'

    response = client.patch(detail_url(provision), {"body": "Revised."}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert response.json()["version"] == 2


def test_update_with_version_field(world, api, make_provision):
    provision = make_provision()
    response = api(world.user("US", "negotiator")).patch(
        detail_url(provision), {"body": "Revised.", "version": 1, "reason": "Tidy"}
    )
    assert response.status_code == 200
    assert provision.history.order_by("-version").first().history_change_reason == "Tidy"


def test_update_without_version_is_refused(world, api, make_provision):
    response = api(world.user("US", "negotiator")).patch(
        detail_url(make_provision()), {"body": "x"}
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_malformed_if_match_is_a_400(world, api, make_provision):
    response = api(world.user("US", "negotiator")).patch(
        detail_url(make_provision()), {"body": "x"}, HTTP_IF_MATCH="yesterday"
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()


def test_stale_version_gets_409_with_the_current_version(world, api, make_provision):
    provision = make_provision()
    client = api(world.user("US", "negotiator"))
    client.patch(detail_url(provision), {"body": "First."}, HTTP_IF_MATCH='"1"')

    response = client.patch(detail_url(provision), {"body": "Second."}, HTTP_IF_MATCH='"1"')

    assert response.status_code == 409
    data = response.json()
    assert data["current_version"] == 2
    assert data["current"]["body"] == "First."
    assert Provision.objects.get(pk=provision.pk).body == "First."


def test_unknown_id_is_404(world, api):
    assert api(world.user("US", "lead")).get("/api/v1/provisions/999999/").status_code == 404


def test_status_action(world, api, make_provision):
    provision = make_provision()  # proposed by the US: its lead tables it
    assert (
        api(world.user("EU", "lead"))
        .post(f"{detail_url(provision)}status/", {"status": "tabled", "version": 1})
        .status_code
        == 403
    )
    client = api(world.user("US", "lead"))
    response = client.post(
        f"{detail_url(provision)}status/",
        {"status": "tabled", "reason": "Tabled in Round 2", "version": 1},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "tabled"
    assert (
        client.post(
            f"{detail_url(provision)}status/", {"status": "bogus", "version": 2}
        ).status_code
        == 400
    )
    assert (
        api(world.user("EU", "negotiator"))
        .post(f"{detail_url(provision)}status/", {"status": "draft", "version": 2})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=stockpiling", {"8.1"}),
        ("status=tabled", {"8.1"}),
        ("party=eu", {"8.1"}),
        ("search=offtake", {"2.2"}),
        ("search=8.1", {"8.1"}),
    ],
)
def test_filters_and_search(world, api, make_provision, query, expected):
    make_provision("Price floors.", number="2.1")
    make_provision("Long-term offtake contracts.", number="2.2", heading="Offtake")
    stock = make_provision(
        "Stocks.", number="8.1", category="stockpiling", by=world.user("EU", "negotiator")
    )
    from parties.access import actor_for
    from provisions.services import provision_set_status

    provision_set_status(
        actor=actor_for(world.user("EU", "lead")), provision=stock, status="tabled"
    )

    response = api(world.user("US", "reviewer")).get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert {row["number"] for row in response.json()["results"]} == expected


def test_filter_by_mineral_and_chapter(world, api, make_provision):
    make_provision(number="2.1", minerals=[world.mineral])
    make_provision(number="2.2")
    client = api(world.user("US", "reviewer"))
    by_mineral = client.get(f"{LIST_URL}?mineral={world.mineral.pk}").json()["results"]
    by_chapter = client.get(f"{LIST_URL}?chapter={world.chapter.pk}").json()["results"]
    assert [row["number"] for row in by_mineral] == ["2.1"]
    assert len(by_chapter) == 2


def test_party_outside_the_agreement_sees_no_provisions(world, api, make_provision):
    from tests.factories import MembershipFactory, PartyFactory

    make_provision()
    outsider = MembershipFactory(party=PartyFactory(code="KR")).user
    assert api(outsider).get(LIST_URL).json()["count"] == 0


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{LIST_URL}?page_size=100")
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def test_list_query_count_does_not_grow_with_rows(
    world, api, make_provision, django_assert_num_queries
):
    for _ in range(5):
        make_provision(minerals=[world.mineral])
    queries, count = _list_queries(api(world.user("US", "reviewer")))
    assert count == 5
    for _ in range(45):
        make_provision(minerals=[world.mineral])
    client = api(world.user("US", "reviewer"))
    with django_assert_num_queries(queries):
        response = client.get(f"{LIST_URL}?page_size=100")
    assert response.json()["count"] == 50


def test_list_rows_are_the_detail_representation(world, api, make_provision, secretariat):
    """The list reads plain values for speed; each row must still be what the detail prints."""
    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    make_provision("The Parties [US: shall] cooperate.", minerals=[cobalt, world.mineral])
    make_provision(by=world.user("EU", "lead"))
    make_provision(by=secretariat, heading="Tabled by the secretariat")
    client = api(world.user("JP", "observer"))
    rows = client.get(LIST_URL).json()["results"]
    assert len(rows) == 3
    assert {row["proposed_by"] for row in rows} == {"US", "EU", None}
    assert sorted(rows[0]["minerals"]) == sorted([cobalt.pk, world.mineral.pk])
    for row in rows:
        assert row == client.get(f"{LIST_URL}{row['id']}/").json()
