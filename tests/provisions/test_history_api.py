import pytest
from django.utils import timezone

from negotiations.services import round_close, round_create
from parties.access import actor_for
from provisions import services
from tests.conftest import forget_minerals


@pytest.fixture
def edited(world, make_provision):
    """A provision at version 3: created, then the US drafts it further and the EU adds its
    alternative (each party writes only its own language)."""
    provision = make_provision("The Parties shall cooperate on prices.")
    provision = services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="The Parties [US: shall][should] cooperate on reference prices.",
        heading="Prices",
        reason="US draft",
    )
    return services.provision_update(
        actor=actor_for(world.user("EU", "negotiator")),
        provision=provision,
        expected_version=2,
        body="The Parties [US: shall][should][EU: may] cooperate on reference prices.",
        reason="EU counter",
    )


def url(provision, tail="") -> str:
    return f"/api/v1/provisions/{provision.pk}/{tail}"


def test_history_lists_every_version_newest_first(world, api, edited):
    rows = api(world.user("JP", "observer")).get(url(edited, "history/")).json()["results"]
    assert [
        (r["version"], r["author"], r["party"], r["reason"], r["bracket_count"]) for r in rows
    ] == [
        (3, "eu-negotiator", "EU", "EU counter", 3),
        (2, "us-negotiator", "US", "US draft", 2),
        (1, "us-negotiator", "US", "Created", 0),
    ]
    assert rows[0]["status"] == "draft" and rows[0]["changed_at"]


def test_one_version_with_its_text(world, api, edited):
    client = api(world.user("US", "reviewer"))
    data = client.get(url(edited, "history/2/")).json()
    assert data["body"] == "The Parties [US: shall][should] cooperate on reference prices."
    assert client.get(url(edited, "history/9/")).status_code == 404


def test_revert_creates_a_new_version_with_the_old_text(world, api, edited):
    client = api(world.user("EU", "negotiator"))  # taking back its own alternative
    response = client.post(url(edited, "revert/"), {"to_version": 2}, HTTP_IF_MATCH='"3"')
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 4
    assert (
        response.json()["body"] == "The Parties [US: shall][should] cooperate on reference prices."
    )
    assert response.json()["heading"] == "Prices"
    latest = edited.history.order_by("-version").first()
    assert latest.history_change_reason == "Reverted to version 2"
    assert latest.history_party == "EU"


def test_revert_that_would_drop_another_partys_language_is_refused(world, api, edited):
    client = api(world.user("US", "negotiator"))
    response = client.post(url(edited, "revert/"), {"to_version": 1}, HTTP_IF_MATCH='"3"')
    assert response.status_code == 403
    assert "[EU: may]" in response.json()["detail"]
    assert edited.history.count() == 3


def test_revert_checks_the_version_and_the_target(world, api, edited):
    client = api(world.user("US", "negotiator"))
    stale = client.post(url(edited, "revert/"), {"to_version": 1, "version": 2})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 3
    assert client.post(url(edited, "revert/"), {"to_version": 42, "version": 3}).status_code == 404
    assert client.post(url(edited, "revert/"), {"to_version": 1}).status_code == 400
    assert (
        api(world.user("US", "reviewer"))
        .post(url(edited, "revert/"), {"to_version": 1, "version": 3})
        .status_code
        == 403
    )


def test_diff_between_versions(world, api, edited):
    data = api(world.user("US", "reviewer")).get(url(edited, "diff/?from=2&to=3")).json()
    inserted = "".join(op["text"] for op in data["ops"] if op["op"] == "insert")
    assert "EU: may" in inserted
    assert all(op["op"] != "delete" for op in data["ops"])
    assert data["fields"] == []
    drafted = api(world.user("US", "reviewer")).get(url(edited, "diff/?from=1&to=2")).json()
    assert drafted["fields"] == [{"field": "heading", "old": "Reference prices", "new": "Prices"}]
    assert data["words_inserted"] >= 2


def test_diff_defaults_to_the_last_change_and_may_run_backwards(world, api, edited):
    client = api(world.user("US", "reviewer"))
    assert client.get(url(edited, "diff/")).json()["from_version"] == 2
    backwards = client.get(url(edited, "diff/?from=3&to=1")).json()
    assert (backwards["from_version"], backwards["to_version"]) == (3, 1)
    assert client.get(url(edited, "diff/?from=1&to=99")).status_code == 404
    assert client.get(url(edited, "diff/?from=one")).status_code == 400


def test_conflict_carries_a_diff_from_the_callers_text(world, api, edited):
    response = api(world.user("US", "negotiator")).patch(
        url(edited),
        {"body": "The Parties [US: must][should] cooperate on reference prices."},
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 409
    data = response.json()
    assert (
        data["current"]["body"]
        == "The Parties [US: shall][should][EU: may] cooperate on reference prices."
    )
    inserted = "".join(op["text"] for op in data["diff"] if op["op"] == "insert")
    assert "EU: may" in inserted


# Minerals in history and diffs ---------------------------------------------------------------------


@pytest.fixture
def cobalt(world):
    from tests.factories import MineralFactory

    return MineralFactory(agreement=world.agreement, name="Cobalt")


@pytest.fixture
def mineral_edits(world, make_provision, cobalt):
    """Version 1 covers lithium, 2 cobalt and lithium, 3 cobalt only (and new text)."""
    negotiator = actor_for(world.user("US", "negotiator"))
    provision = make_provision("Old text.", minerals=[world.mineral])
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=1, minerals=[world.mineral, cobalt]
    )
    return services.provision_update(
        actor=negotiator, provision=provision, expected_version=2, minerals=[cobalt], body="New."
    )


def test_history_shows_each_versions_minerals_and_null_where_unknown(world, api, mineral_edits):
    forget_minerals(mineral_edits, 1)
    client = api(world.user("JP", "observer"))
    rows = client.get(url(mineral_edits, "history/")).json()["results"]
    assert [(r["version"], r["minerals"]) for r in rows] == [
        (3, ["Cobalt"]),
        (2, ["Cobalt", "Lithium"]),
        (1, None),
    ]
    assert client.get(url(mineral_edits, "history/2/")).json()["minerals"] == ["Cobalt", "Lithium"]
    assert client.get(url(mineral_edits, "history/1/")).json()["minerals"] is None


def test_a_version_covering_no_mineral_is_an_empty_list_not_null(world, api, make_provision):
    provision = make_provision()
    data = api(world.user("US", "reviewer")).get(url(provision, "history/1/")).json()
    assert data["minerals"] == []


def test_history_query_count_does_not_grow_with_versions(
    world, api, make_provision, cobalt, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provision = make_provision(minerals=[world.mineral])
    negotiator = actor_for(world.user("US", "negotiator"))
    client = api(world.user("US", "reviewer"))
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url(provision, "history/?page_size=100")).json()["results"]) == 1
    for version in range(1, 30):
        provision = services.provision_update(
            actor=negotiator,
            provision=provision,
            expected_version=version,
            minerals=[cobalt] if version % 2 else [cobalt, world.mineral],
        )
    forget_minerals(provision, 1)
    client = api(world.user("US", "reviewer"))
    with django_assert_num_queries(len(few)):
        rows = client.get(url(provision, "history/?page_size=100")).json()["results"]
    assert len(rows) == 30
    assert [r["minerals"] for r in (rows[0], rows[1], rows[-1])] == [
        ["Cobalt"],
        ["Cobalt", "Lithium"],
        None,
    ]


def test_diff_lists_mineral_changes_when_both_versions_recorded_them(world, api, mineral_edits):
    client = api(world.user("US", "reviewer"))
    data = client.get(url(mineral_edits, "diff/?from=1&to=3")).json()
    assert data["minerals_compared"] is True
    assert data["fields"] == [{"field": "minerals", "old": ["Lithium"], "new": ["Cobalt"]}]
    same = client.get(url(mineral_edits, "diff/?from=3&to=3")).json()
    assert (same["fields"], same["minerals_compared"]) == ([], True)


def test_diff_claims_no_mineral_change_when_a_version_did_not_record_them(
    world, api, mineral_edits
):
    forget_minerals(mineral_edits, 1)
    client = api(world.user("US", "reviewer"))
    for query in ("diff/?from=1&to=3", "diff/?from=3&to=1"):
        data = client.get(url(mineral_edits, query)).json()
        assert data["minerals_compared"] is False
        assert data["fields"] == []
    assert client.get(url(mineral_edits, "diff/?from=2&to=3")).json()["fields"] == [
        {"field": "minerals", "old": ["Cobalt", "Lithium"], "new": ["Cobalt"]}
    ]


def test_agreement_compare_between_a_round_close_and_now(world, api, make_provision, secretariat):
    staff = actor_for(secretariat)
    round_1 = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    kept = make_provision("Unchanged text.", number="2.1")
    changed = make_provision("Old text.", number="2.2")
    removed_later = make_provision("Will move chapter.", number="2.3")
    round_close(actor=staff, round_=round_1)

    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=changed,
        expected_version=1,
        body="New text.",
    )
    from tests.factories import ChapterFactory

    other_chapter = ChapterFactory(agreement=world.agreement, number=5)
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=removed_later,
        expected_version=1,
        chapter=other_chapter,
    )
    added = make_provision("Brand new.", number="2.4")

    data = (
        api(world.user("US", "lead"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/compare/?from=round:1")
        .json()
    )
    by_id = {row["id"]: row for row in data["provisions"]}
    assert kept.pk not in by_id
    assert by_id[changed.pk]["kind"] == "changed" and not by_id[changed.pk]["moved"]
    assert by_id[removed_later.pk]["moved"] is True
    assert by_id[added.pk]["kind"] == "added"
    assert data["summary"] == {"added": 1, "removed": 0, "changed": 2, "moved": 1}
    assert data["from"]["label"] == "close of Round 1"


def compare_since(api, world, moment) -> dict:
    from urllib.parse import quote

    return (
        api(world.user("US", "lead"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/compare/?from={quote(moment.isoformat())}")
        .json()
    )


def test_agreement_compare_lists_mineral_changes_where_both_sides_recorded_them(
    world, api, make_provision, cobalt
):
    negotiator = actor_for(world.user("US", "negotiator"))
    only_minerals = make_provision(number="2.1", minerals=[world.mineral])
    with_text = make_provision("Old.", number="2.2", minerals=[cobalt])
    untouched = make_provision(number="2.3", minerals=[cobalt])
    unknown_before = make_provision(number="2.4", minerals=[world.mineral])
    forget_minerals(unknown_before, 1)
    moment = timezone.now()

    services.provision_update(
        actor=negotiator,
        provision=only_minerals,
        expected_version=1,
        minerals=[cobalt, world.mineral],
    )
    services.provision_update(
        actor=negotiator, provision=with_text, expected_version=1, body="New.", minerals=[]
    )
    services.provision_update(
        actor=negotiator, provision=untouched, expected_version=1, minerals=[cobalt]
    )
    services.provision_update(
        actor=negotiator, provision=unknown_before, expected_version=1, minerals=[cobalt]
    )

    data = compare_since(api, world, moment)
    by_id = {row["id"]: row for row in data["provisions"]}
    assert by_id[only_minerals.pk]["kind"] == "changed"
    assert by_id[only_minerals.pk]["fields"] == [
        {"field": "minerals", "old": ["Lithium"], "new": ["Cobalt", "Lithium"]}
    ]
    assert by_id[only_minerals.pk]["diff"] == []
    assert by_id[with_text.pk]["fields"] == [{"field": "minerals", "old": ["Cobalt"], "new": []}]
    # A new version with the same minerals, and a change from unknown minerals: nothing to show.
    assert untouched.pk not in by_id
    assert unknown_before.pk not in by_id
    assert data["summary"] == {"added": 0, "removed": 0, "changed": 2, "moved": 0}


def test_agreement_compare_query_count_does_not_grow_with_provisions(
    world, api, make_provision, cobalt, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    negotiator = actor_for(world.user("US", "negotiator"))

    def add_and_edit(count: int):
        made = [make_provision(minerals=[world.mineral]) for _ in range(count)]
        forget_minerals(made[0], 1)
        return made

    def edit(provisions):
        for provision in provisions:
            services.provision_update(
                actor=negotiator, provision=provision, expected_version=1, minerals=[cobalt]
            )

    first = add_and_edit(3)
    moment = timezone.now()
    edit(first)
    with CaptureQueriesContext(connection) as few:
        assert compare_since(api, world, moment)["summary"]["changed"] == 2
    more = add_and_edit(20)
    moment = timezone.now()
    edit(more)
    with django_assert_num_queries(len(few)):
        assert compare_since(api, world, moment)["summary"]["changed"] == 19


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "from"),
        ("?from=round:9", "from"),
        ("?from=yesterday", "from"),
        ("?from=now&to=round:x", "to"),
    ],
)
def test_agreement_compare_rejects_unknown_points(world, api, query, field):
    response = api(world.user("US", "lead")).get(
        f"/api/v1/agreements/{world.agreement.pk}/compare/{query}"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_agreement_compare_by_dates(world, api, make_provision):
    make_provision()
    data = (
        api(world.user("US", "lead"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/compare/?from=2000-01-01&to=now")
        .json()
    )
    assert data["summary"]["added"] == 1
    assert data["from"]["label"] == "end of 2000-01-01"
