"""API tokens in a real Chromium: a negotiator makes a token from the header's link, copies the key
shown once, a script uses it, the page never shows it again, and revoking it stops it."""

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def api_status(base: str, key: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/agreements/", headers={"Authorization": f"Token {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_make_use_and_revoke_a_token(world, signed_in, live_server):
    page = signed_in(world.user("US", "negotiator"))
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and csp_violations.append(message.text)
        ),
    )
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()

    page.get_by_label("Name").fill("Nightly position sync")
    page.get_by_label("Valid for").select_option(label="30 days")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    key = page.locator("#new-token-key").input_value()
    assert len(key) == 64
    assert api_status(live_server.url, key) == 200

    page.goto(f"{live_server.url}/accounts/tokens/")
    assert key not in page.content()
    row = page.get_by_role("row", name="Nightly position sync")
    expect(row).to_contain_text(key[:8])
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one token

    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token “Nightly position sync” revoked")).to_be_visible()
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    assert api_status(live_server.url, key) == 401
    assert csp_violations == []
