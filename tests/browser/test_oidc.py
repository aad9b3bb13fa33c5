"""Agency sign-in (OpenID Connect) in a real Chromium, against the test identity provider on
127.0.0.1: the provider's own sign-in page, the way back to the live server, sign-out."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from parties.models import AuditEntry
from tests.oidc_provider.fixtures import CALLBACK
from tests.oidc_provider.process import PASSWORD

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture
def agency_page(chromium, live_server, agency_for_live_server, transactional_db, world, request):
    """A fresh browser on the site's sign-in page."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    request.node._opened_pages = [page]
    page.goto("/accounts/login/")
    yield page
    context.close()


def through_the_agency(page, username: str | None):
    """Press the agency button; sign in on the provider's page unless it still knows us."""
    page.get_by_role("button", name="Sign in with your agency account").click()
    if username is not None:
        expect(page.get_by_role("heading", name="Agency identity provider")).to_be_visible()
        page.get_by_label("Agency username").fill(username)
        page.get_by_label("Agency password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in to the agency").click()


def test_sign_in_creates_the_account_then_sign_out_and_in_again_reuses_it(
    agency_page, agency_sign_in, world
):
    page = agency_page
    agency_sign_in.person("iris.lead", groups=["ustr-leads"], email="iris@ustr.example")

    through_the_agency(page, "iris.lead")

    page.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    whoami = page.locator(".whoami")
    expect(whoami).to_contain_text("iris.lead")
    expect(whoami.locator(".party-chip")).to_have_text("US")
    expect(whoami).to_contain_text("lead")
    iris = User.objects.get(username="iris.lead")
    assert (iris.membership.party.code, iris.membership.role) == ("US", "lead")
    assert not iris.has_usable_password()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/accounts/(login|logout)/.*"))
    if page.get_by_role("button", name="Sign out").is_visible():  # allauth's confirmation page
        page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".whoami")).to_have_count(0)
    page.goto("/accounts/login/")

    # The provider still knows this browser: straight back, into the same account.
    through_the_agency(page, None)
    page.wait_for_url(re.compile(r".*/agreements/\d+/$"))
    expect(page.locator(".whoami")).to_contain_text("iris.lead")
    assert User.objects.filter(username__startswith="iris").count() == 1
    assert SocialAccount.objects.get().user == iris


def test_claims_mapping_to_no_delegation_are_refused_on_a_clear_page(
    agency_page, agency_sign_in, world
):
    page = agency_page
    agency_sign_in.person("jon", groups=["finance", "vpn-users"])

    with page.expect_response(lambda response: CALLBACK in response.url) as callback:
        through_the_agency(page, "jon")

    assert callback.value.status == 403
    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "in no group that this site maps to a delegation"
    )
    expect(page.locator(".whoami")).to_have_count(0)
    assert not User.objects.filter(username="jon").exists()
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.SIGN_IN_FAILED, username="jon").exists()
    page.get_by_role("link", name="Back to sign-in").click()
    expect(page.get_by_label("Password")).to_be_visible()  # password sign-in stays
