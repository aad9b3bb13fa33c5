"""The negotiation rules in a real Chromium: each party speaks only for itself, a party changes
another's language by a proposal the secretariat incorporates, and a text is agreed by consensus."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from parties.access import actor_for
from provisions.models import Provision, Status
from provisions.services import provision_set_status
from tests.browser.conftest import htmx_settled

pytestmark = pytest.mark.browser

WITH_EU = (
    "1. Each Party shall maintain a reference price [US: of 80 percent][EU: of 60 percent] "
    "for lithium.\n\n2. The Parties shall review the price [EU: every year]."
)
# The US proposes: "establish" for "maintain", 70 for the EU's 60, cobalt too, no annual review.
US_PROPOSAL = (
    "1. Each Party shall establish a reference price [US: of 80 percent][EU: of 70 percent] "
    "for lithium and cobalt.\n\n2. The Parties shall review the price."
)
INCORPORATED = (
    "1. Each Party shall [maintain][US: establish] a reference price [US: of 80 percent]"
    "[EU: of 60 percent][US: of 70 percent] for lithium [US: and cobalt].\n\n"
    "2. The Parties shall review the price [EU: every year][US: (delete)]."
)


def secretariat_actor():
    return actor_for(get_user_model().objects.get(username="secretariat"))


def moved_to(provision, *statuses):
    """The secretariat takes the provision along its procedural path."""
    for status in statuses:
        provision = provision_set_status(
            actor=secretariat_actor(), provision=provision, status=status, reason="Plenary"
        )
    return provision


@pytest.fixture
def tabled_with_eu(transactional_db, world, make_provision):
    """Article 2.1 as the parties sent it in (US and EU language), tabled by the secretariat."""
    provision = make_provision(WITH_EU, number="2.1", heading="Reference prices")
    return moved_to(provision, Status.TABLED)


def open_editor(page, provision):
    page.goto(f"/provisions/{provision.pk}/")
    page.get_by_role("link", name="Edit text").click()
    editor = page.get_by_label("Negotiating text")
    expect(editor).to_be_visible()
    htmx_settled(page)
    return editor


def test_the_eus_words_are_refused_to_the_us_and_its_own_alternative_saved(
    world, tabled_with_eu, signed_in
):
    before = Provision.objects.get(pk=tabled_with_eu.pk)
    page = signed_in(world.user("US", "negotiator"))

    editor = open_editor(page, tabled_with_eu)
    rewritten = WITH_EU.replace("[EU: of 60 percent]", "[EU: of 95 percent]")
    editor.fill(rewritten)
    page.get_by_label("Reason for the change").fill("The EU can live with 95")
    page.get_by_role("button", name="Save").click()

    refusal = page.locator("section.error-list", has=page.locator("#rules-heading"))
    expect(refusal).to_contain_text("You cannot make this change directly; nothing was saved")
    column = WITH_EU.index("[EU: of 60 percent]") + 1
    expect(refusal).to_contain_text(f"Line 1, column {column}")
    expect(refusal).to_contain_text("EU group at line 1")
    expect(refusal).to_contain_text("[EU: of 60 percent]")
    expect(refusal).to_contain_text("proposal")
    expect(page.get_by_label("Negotiating text")).to_have_value(rewritten)

    page.reload()
    expect(page.locator(".provision-text")).to_contain_text("[EU: of 60 percent]")
    expect(page.locator(".provision-text")).not_to_contain_text("95 percent")
    after = Provision.objects.get(pk=tabled_with_eu.pk)
    assert after.body.encode() == before.body.encode() == WITH_EU.encode()
    assert after.version == before.version

    with_us = WITH_EU.replace("[EU: of 60 percent]", "[EU: of 60 percent][US: of 70 percent]")
    editor = open_editor(page, tabled_with_eu)
    editor.fill(with_us)
    page.get_by_label("Reason for the change").fill("US alternative")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(f"as version {before.version + 1}")
    expect(page.locator(".provision-text")).to_contain_text("[US: of 70 percent]")
    assert Provision.objects.get(pk=tabled_with_eu.pk).body == with_us


def test_a_us_proposal_tabled_then_incorporated_by_the_secretariat(
    world, tabled_with_eu, secretariat, signed_in
):
    us = signed_in(world.user("US", "negotiator"))
    us.goto(f"/provisions/{tabled_with_eu.pk}/")
    us.get_by_role("link", name="Propose a change").click()
    text = us.get_by_label("Proposed text")
    expect(text).to_have_value(WITH_EU)  # prefilled with the current text
    text.fill(US_PROPOSAL)
    us.get_by_label("Explanatory note").fill("Cobalt belongs in the price floor.")
    us.get_by_role("button", name="Table it now").click()
    expect(us).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(us.locator(".messages")).to_contain_text("tabled: every participant sees it")
    number = int(re.search(r"/proposals/(\d+)/$", us.url).group(1))

    chair = signed_in(secretariat)
    chair.goto(f"/proposals/{number}/")
    expect(chair.get_by_role("heading", level=1)).to_contain_text(f"US proposal #{number}")
    chair.get_by_role("button", name="Incorporate").click()
    expect(chair.locator(".messages")).to_contain_text(
        f"Proposal #{number} incorporated into the text"
    )

    chair.goto(f"/provisions/{tabled_with_eu.pk}/")
    shown = chair.locator(".provision-text")
    expect(shown).to_contain_text("shall [maintain][US: establish] a reference price")
    expect(shown).to_contain_text("[EU: of 60 percent][US: of 70 percent]")
    expect(shown).to_contain_text("[EU: every year][US: (delete)]")
    expect(chair.locator("table.history")).to_contain_text(
        f"Incorporated US proposal #{number}: Cobalt belongs in the price floor."
    )
    assert Provision.objects.get(pk=tabled_with_eu.pk).body == INCORPORATED


def record_agree(page, provision, code):
    page.goto(f"/provisions/{provision.pk}/")
    page.get_by_text(f"Record {code}'s position").click()
    page.get_by_label("Our stance").select_option("agree")
    page.get_by_role("button", name="Record position").click()
    expect(page.locator(".messages")).to_contain_text(f"{code} position recorded: Agree")


def test_agreed_only_once_every_participants_lead_agrees(
    transactional_db, world, make_provision, signed_in
):
    provision = moved_to(
        make_provision("1. The Parties shall share stockpile data.", heading="Stockpiles"),
        Status.TABLED,
        Status.UNDER_NEGOTIATION,
    )
    us = signed_in(world.user("US", "lead"))
    us.goto(f"/provisions/{provision.pk}/")
    status = us.get_by_label("Move to")
    expect(status.locator("option")).to_have_text(["Choose a status…", "Withdrawn"])
    expect(us.locator(".consent-list")).to_contain_text("Not agreed yet")
    # Sent anyway (a stale page, a crafted post): the service refuses and names who is missing.
    status.evaluate("select => select.add(new Option('Agreed', 'agreed'))")
    status.select_option("agreed")
    us.get_by_role("button", name="Change status").click()
    expect(us.locator(".messages")).to_contain_text("every participant must agree the current text")
    expect(us.locator(".messages")).to_contain_text(
        re.compile(r"no agreement from (US, EU|EU, US)")
    )
    assert Provision.objects.get(pk=provision.pk).status == Status.UNDER_NEGOTIATION

    record_agree(us, provision, "US")
    expect(us.get_by_label("Move to").locator("option")).to_have_text(
        ["Choose a status…", "Withdrawn"]
    )  # the EU has not agreed yet
    record_agree(signed_in(world.user("EU", "lead")), provision, "EU")

    us.goto(f"/provisions/{provision.pk}/")
    expect(us.locator("section", has=us.locator("#consents-heading"))).to_contain_text(
        "Every participant agrees the current text."
    )
    us.get_by_label("Move to").select_option("agreed")
    us.get_by_role("button", name="Change status").click()
    expect(us.locator(".messages")).to_contain_text(f"Article {provision.number} is now agreed.")
    assert Provision.objects.get(pk=provision.pk).status == Status.AGREED
