"""The agreement dashboard: figures by chapter, status and party, the progress chart, the matrix."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from negotiations.services import comment_create, position_record, round_close, round_create
from parties.access import actor_for
from provisions import services as provision_services
from tests.conftest import agree_all
from tests.factories import AgreementFactory, ChapterFactory


@pytest.fixture(autouse=True)
def _cold_cache():
    """Progress figures are cached under ids that a rolled-back test may reuse: start clean."""
    cache.clear()
    yield
    cache.clear()


def _table(page: str, heading_id: str) -> list[list[str]]:
    """The text of each row of the first table after the heading, cell by cell."""
    start = page.index(f'id="{heading_id}"')
    table = page[page.index("<table", start) : page.index("</table>", start)]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", flags=re.S)
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in cell.findall(row)]
        for row in rows
    ]


def _agree(world, provision):
    lead = actor_for(world.user("US", "lead"))
    for status in ("tabled", "under_negotiation"):
        provision = provision_services.provision_set_status(
            actor=lead, provision=provision, status=status
        )
    return provision_services.provision_set_status(
        actor=lead, provision=agree_all(provision), status="agreed"
    )


@pytest.fixture
def state_of_play(world, make_provision, secretariat):
    """Chapter 2: a bracketed provision and an agreed one, then Round 1 closes; then chapter 3
    gets a provision bracketed by EU and JP together."""
    staff = actor_for(secretariat)
    today = timezone.localdate()
    round_1 = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=today,
        ends_on=today,
    )
    bracketed = make_provision("The Parties [US: shall][EU: should] act [on prices].", number="2.1")
    _agree(world, make_provision("Clean text.", number="2.2", heading="Offtake"))
    round_close(actor=staff, round_=round_1)
    standards = ChapterFactory(agreement=world.agreement, number=3, title="Standards")
    make_provision("[EU, JP: Later] text.", number="3.1", chapter=standards, heading="Audits")
    return bracketed


def test_dashboard_counts_provisions_by_chapter_and_status(world, client, state_of_play):
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    rows = _table(page, "status-heading")
    assert rows[0] == [
        "Chapter",
        "Draft",
        "Tabled",
        "Under negotiation",
        "Agreed ad referendum",
        "Agreed",
        "Withdrawn",
        "Total (not counting withdrawn)",
        "Agreed share",
    ]
    assert rows[1] == ["Chapter 2. Trade measures", "1", "0", "0", "0", "1", "0", "2", "50%"]
    assert rows[2] == ["Chapter 3. Standards", "1", "0", "0", "0", "0", "0", "1", "0%"]
    assert rows[3] == ["All chapters", "2", "0", "0", "0", "1", "0", "3", "33%"]


def test_dashboard_counts_brackets_per_chapter_and_party(world, client, state_of_play):
    client.force_login(world.user("JP", "observer"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    assert _table(page, "brackets-heading") == [
        ["Chapter", "EU", "JP", "US", "Unattributed", "Total"],
        ["Chapter 2. Trade measures", "1", "0", "1", "1", "3"],
        ["Chapter 3. Standards", "1", "1", "0", "0", "1"],
        ["All chapters", "2", "1", "1", "1", "4"],
    ]


def test_dashboard_chart_has_one_point_per_closed_round_plus_now(world, client, state_of_play):
    client.force_login(world.user("EU", "negotiator"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('class="point point-brackets"') == 2
    assert svg.count('class="point point-agreed"') == 2
    # Round 1 closed with 3 brackets and 1 agreed; now 4 brackets, still 1 agreed.
    assert "Brackets remaining — Round 1: 3; Now: 4. Provisions agreed — Round 1: 1; Now: 1." in svg
    assert _table(page, "chart-heading") == [
        ["Point", "Brackets remaining", "Provisions agreed"],
        ["Round 1", "3", "1"],
        ["Now", "4", "1"],
    ]


def test_dashboard_matrix_shows_stances_as_text_never_internal_material(
    world, client, state_of_play
):
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=state_of_play,
        party=world.eu,
        stance="reserve",
        note="Pending analysis",
        internal_note="EU-only reasoning",
    )
    position_record(
        actor=actor_for(world.user("US", "lead")),
        provision=state_of_play,
        party=world.us,
        stance="support",
    )
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=state_of_play,
        body="EU internal comment",
        visibility="delegation",
    )
    for viewer in (world.user("EU", "lead"), world.user("US", "lead")):
        client.force_login(viewer)
        page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
        rows = _table(page, "matrix-heading")
        assert rows[0] == [
            "Article",
            "Heading",
            "Status",
            "Brackets",
            "EU",
            "JP",
            "US",
            "Consent to agree",
        ]
        assert rows[1] == ["Chapter 2. Trade measures"]
        assert rows[2] == [
            "2.1",
            "Reference prices",
            "Draft",
            "3",
            "Reserve",
            "–Not recorded",
            "Support",
            "Waiting for EU, US",  # the participants' agreement (JP observes)
        ]
        assert '<td class="stance stance-reserve">Reserve</td>' in page
        assert "EU-only reasoning" not in page
        assert "EU internal comment" not in page


def test_dashboard_navigation_links_every_agreement_page(world, client):
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    for path in ("rounds/", "action-items/", "minerals/", "provisions/"):
        assert f'href="/agreements/{world.agreement.pk}/{path}"' in page
    assert f'href="/agreements/{world.agreement.pk}/" aria-current="page">Dashboard' in page


def test_dashboard_of_an_empty_agreement(world, client):
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    assert "No provisions yet." in page
    assert page.count('class="point point-brackets"') == 1  # now


def test_dashboard_of_a_foreign_agreement_is_404(world, client):
    client.force_login(world.user("US", "reviewer"))
    assert client.get(f"/agreements/{AgreementFactory().pk}/").status_code == 404


def _dashboard_queries(client, world) -> int:
    cache.clear()  # both measurements cold: every figure computed, not read from the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/agreements/{world.agreement.pk}/").status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_provisions(
    world, client, make_provision, state_of_play, django_assert_num_queries
):
    client.force_login(world.user("EU", "lead"))
    for n in range(2):
        position_record(
            actor=actor_for(world.user("EU", "lead")),
            provision=make_provision(f"[EU: text {n}]"),
            party=world.eu,
            stance="support",
        )
    with_five = _dashboard_queries(client, world)
    for n in range(45):
        make_provision(f"The Parties [US: shall] act {n}.")
    cache.clear()
    with django_assert_num_queries(with_five):
        assert client.get(f"/agreements/{world.agreement.pk}/").status_code == 200
