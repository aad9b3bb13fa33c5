"""Two-factor authentication in a real Chromium: a lead whose role requires it is sent to enrol,
reads the secret from the page, enrols with a code computed here, and signs in again with password
and code; no page of the flow breaks the Content Security Policy."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.parties.test_two_factor import totp

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium, live_server, request, settings):
    settings.TWO_FACTOR_REQUIRED_FOR = ["lead", "staff"]
    settings.MFA_TOTP_TOLERANCE = 1  # a code computed just before a 30-second boundary still counts
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    request.node._opened_pages = [page]
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_violations.append(message.text)
        ),
    )
    yield page
    context.close()


def sign_in_with_password(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_lead_enrols_and_then_signs_in_with_a_code(page, world):
    sign_in_with_password(page, "us-lead")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    expect(page.get_by_role("alert")).to_contain_text(
        "Your role requires two-factor authentication"
    )
    # Anywhere else leads back here until enrolled.
    page.goto(f"/agreements/{world.agreement.pk}/")
    page.wait_for_url("**/accounts/2fa/totp/activate/")

    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    secret = page.get_by_label("Secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.get_by_label("Code from the app").fill("000000" if totp(secret) != "000000" else "111111")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Code from the app").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    codes = page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    expect(page.get_by_role("link", name="Download codes")).to_be_visible()
    page.get_by_role("link", name="Continue to the agreements").click()
    page.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    page.get_by_role("link", name="Two-factor").click()
    expect(page.get_by_text("Active since")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
    sign_in_with_password(page, "us-lead")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(totp(secret))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    expect(page.locator(".whoami-name")).to_have_text("us-lead")
    assert page.csp_violations == []
