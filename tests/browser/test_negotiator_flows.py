"""What a negotiator does during a round, in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from negotiations.services import comment_create
from parties.access import actor_for
from provisions.models import Provision
from tests.browser.conftest import htmx_settled

pytestmark = pytest.mark.browser


@pytest.fixture
def provision(transactional_db, world, make_provision):
    return make_provision(
        "1. The Parties [US: shall][EU: should] establish reference prices.",
        heading="Reference prices",
    )


def test_sign_in_shows_the_agreement_and_who_i_am(world, provision, signed_in):
    page = signed_in(world.user("EU", "negotiator"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.agreement.title)
    expect(page.locator(".whoami")).to_contain_text("eu-negotiator")
    expect(page.locator(".whoami")).to_contain_text("EU")
    expect(page.locator(".whoami")).to_contain_text("negotiator")


def test_broken_brackets_show_their_position_then_the_fix_saves(world, provision, signed_in):
    page = signed_in(world.user("EU", "negotiator"))
    page.goto(f"/provisions/{provision.pk}/")
    expect(page.locator(".provision-text .bracket").first).to_contain_text("US:")
    page.get_by_role("link", name="Edit text").click()
    editor = page.get_by_label("Negotiating text")
    expect(editor).to_be_visible()
    htmx_settled(page)
    editor.fill("1. The Parties [US: shall][EU: should endeavour to establish reference prices.")
    expect(page.locator("#validation")).to_contain_text("Line 1, column 27")
    mine = "1. The Parties [US: shall][EU: should endeavour to] establish reference prices."
    editor.fill(mine)
    expect(page.locator("#validation")).to_contain_text("Brackets balanced")
    page.get_by_label("Reason for the change").fill("EU wording")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("as version 2")
    assert Provision.objects.get(pk=provision.pk).body == mine  # the EU's own words only


@pytest.fixture
def common_text(transactional_db, world, make_provision):
    return make_provision(
        "1. The Parties shall establish reference prices.\n\n2. Each Party shall notify them.",
        heading="Reference prices",
    )


def edit_side_by_side(world, provision, signed_in, theirs: str, mine: str):
    """US and EU open the editor on the same version; US saves `theirs`, then EU saves `mine`."""
    us = signed_in(world.user("US", "negotiator"))
    eu = signed_in(world.user("EU", "negotiator"))
    us.goto(f"/provisions/{provision.pk}/edit/")
    us.wait_for_load_state("networkidle")  # its editing lease is taken
    eu.goto(f"/provisions/{provision.pk}/edit/")
    expect(eu.locator(".presence")).to_contain_text("US · us-negotiator is editing since")

    us.get_by_label("Negotiating text").fill(theirs)
    us.get_by_role("button", name="Save").click()
    expect(us.locator(".messages")).to_contain_text("as version 2")

    eu.get_by_label("Negotiating text").fill(mine)
    eu.get_by_role("button", name="Save").click()
    expect(
        eu.get_by_role("heading", name="Someone saved this provision while you were editing")
    ).to_be_visible()
    expect(eu.get_by_label("Your text as you wrote it")).to_have_value(mine)
    return eu


def test_conflict_screen_merges_both_changes_for_me_to_confirm(world, common_text, signed_in):
    eu = edit_side_by_side(
        world,
        common_text,
        signed_in,
        theirs="1. The Parties shall establish reference prices [US: for cobalt].\n\n"
        "2. Each Party shall notify them.",
        mine="1. The Parties shall establish reference prices.\n\n"
        "2. Each Party shall notify them [EU: promptly].",
    )
    merged = (
        "1. The Parties shall establish reference prices [US: for cobalt].\n\n"
        "2. Each Party shall notify them [EU: promptly]."
    )
    expect(eu.get_by_label("Negotiating text")).to_have_value(merged)
    expect(eu.locator(".conflict")).to_contain_text("Your changes and those saved in version 2")
    # The screen posts as a plain form (line breaks as CRLF): the text saved is the one shown.
    eu.get_by_role("button", name="Save merged text").click()
    expect(eu.locator(".messages")).to_contain_text("as version 3")
    assert Provision.objects.get(pk=common_text.pk).body == merged


def test_conflict_screen_adds_my_words_as_my_partys_alternative(world, common_text, signed_in):
    eu = edit_side_by_side(
        world,
        common_text,
        signed_in,
        theirs="1. The Parties [shall][US: must] establish reference prices.\n\n"
        "2. Each Party shall notify them.",
        mine="1. The Parties [shall][EU: should] establish reference prices.\n\n"
        "2. Each Party shall notify them.",
    )
    conflict = eu.locator(".merge-conflict")
    expect(conflict).to_contain_text("[shall][US: must]")
    expect(conflict).to_contain_text("[shall][EU: should]")
    eu.get_by_role("button", name="Add mine as EU's alternative").click()
    merged = (
        "1. The Parties [shall][US: must][EU: should] establish reference prices.\n\n"
        "2. Each Party shall notify them."
    )
    expect(eu.get_by_label("Negotiating text")).to_have_value(merged)
    eu.get_by_role("button", name="Save merged text").click()
    expect(eu.locator(".messages")).to_contain_text("as version 3")
    assert Provision.objects.get(pk=common_text.pk).body == merged


def test_compare_two_versions_inline_and_side_by_side(world, provision, signed_in):
    from provisions.services import provision_update

    provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="1. The Parties [US: must][EU: should] establish reference prices.",
    )
    page = signed_in(world.user("JP", "observer"))
    page.goto(f"/provisions/{provision.pk}/compare/")
    expect(page.locator("del.diff-del").first).to_be_visible()
    page.get_by_label("Side by side").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("table", name="Side-by-side comparison")).to_be_visible()
    expect(page).to_have_url(re.compile(r"view=side"))


def test_delegation_only_comment_is_invisible_to_another_party(world, provision, signed_in):
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body="EU eyes only: hold firm",
        visibility="delegation",
    )
    eu = signed_in(world.user("EU", "lead"))
    eu.goto(f"/provisions/{provision.pk}/")
    expect(eu.locator("#comments")).to_contain_text("EU eyes only: hold firm")
    expect(eu.locator("#comments .label-internal")).to_have_text("Delegation only")
    us = signed_in(world.user("US", "lead"))
    us.goto(f"/provisions/{provision.pk}/")
    expect(us.locator("#comments")).not_to_contain_text("EU eyes only")
    assert "EU eyes only" not in us.content()


def test_dashboard_chart_renders(world, provision, secretariat, signed_in):
    from django.utils import timezone

    from negotiations.services import round_close, round_create

    staff = actor_for(secretariat)
    round_1 = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    round_close(actor=staff, round_=round_1)
    page = signed_in(world.user("US", "lead"))
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100


def test_provision_list_filters_without_reloading_the_page(world, make_provision, signed_in):
    make_provision("The Parties shall share stockpile data.", heading="Stockpile transparency")
    make_provision("Each Party shall publish export licences.", heading="Export licensing")
    page = signed_in(world.user("EU", "reviewer"))
    page.goto(f"/agreements/{world.agreement.pk}/provisions/")
    expect(page.locator("#provision-results")).to_contain_text("2 provisions")
    page.evaluate("window.sameDocument = true")  # gone if the page reloaded

    page.get_by_label("Search").fill("stockpile")
    expect(page.locator("#provision-results")).to_contain_text("1 provision matching “stockpile”")
    expect(page.locator("#provision-results")).not_to_contain_text("Export licensing")
    expect(page).to_have_url(re.compile(r"q=stockpile"))
    assert page.evaluate("window.sameDocument") is True
