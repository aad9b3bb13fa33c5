"""Fixtures: the agency identity provider for the test session, and the application configured
for it through the OIDC_* environment variables, as a deployment configures it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from .process import PASSWORD, ROOT, AgencyProvider

CALLBACK = "/accounts/oidc/agency/login/callback/"
GROUP_MAP = "ustr-leads=US:lead; ustr-negotiators=US:negotiator\ndg-trade=EU:reviewer"
SETTINGS_READ = (
    "OIDC_ISSUER",
    "OIDC_GROUPS_CLAIM",
    "OIDC_GROUP_MAP",
    "SOCIALACCOUNT_PROVIDERS",
)


def settings_from_environment(**variables: str) -> dict:
    """The settings config/settings.py makes of these environment variables (in a fresh process)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC_")}
    env |= {"SECRET_KEY": "settings-probe-0123456789abcdefghijklmnopqrstuvwxyz", **variables}
    probe = (
        "import json, config.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {SETTINGS_READ!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def agency(tmp_path_factory):
    """The identity provider, running for the whole session, with the application registered as
    its client: the callback of the test client (`agency_for_live_server` adds the live server's).
    It needs no live server, so the tests through the test client run in a transaction of theirs
    rolled back after, as other database tests do."""
    provider = AgencyProvider(tmp_path_factory.mktemp("agency-identity-provider"))
    provider.start(redirect_uris=[f"http://testserver{CALLBACK}"])
    provider.app_settings = settings_from_environment(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=provider.client_id,
        OIDC_CLIENT_SECRET=provider.client_secret,
        OIDC_SCOPES="openid profile email groups",
        OIDC_GROUP_MAP=GROUP_MAP,
    )
    yield provider
    provider.stop()


@pytest.fixture
def agency_sign_in(agency, settings):
    """The application configured for the agency's identity provider."""
    for name, value in agency.app_settings.items():
        setattr(settings, name, value)
    return agency


@pytest.fixture
def agency_for_live_server(agency_sign_in, live_server):
    """`agency_sign_in`, the provider also sending people back to the live server (for Chromium)."""
    agency_sign_in.allow_redirect(f"{live_server.url}{CALLBACK}")
    return agency_sign_in


def sign_in_through_agency(
    client, username: str, *, password: str = PASSWORD, start: str = "/accounts/oidc/agency/login/"
):
    """The whole journey, the application seen through Django's test client and the agency's
    provider through real HTTP: press the agency button, sign in on the provider's page, come back
    with the code. Answers the application's response to the callback."""
    start = client.post(start)
    assert start.status_code == 302, start
    agency_browser = requests.Session()
    login_page = agency_browser.get(start["Location"], timeout=10)
    login_page.raise_for_status()
    answer = agency_browser.post(
        login_page.url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": agency_browser.cookies["csrftoken"],
            "next": parse_qs(urlsplit(login_page.url).query)["next"][0],
        },
        allow_redirects=False,
        timeout=10,
    )
    while answer.is_redirect and not answer.headers["Location"].startswith("http://testserver"):
        answer = agency_browser.get(
            answer.next.url, allow_redirects=False, timeout=10
        )  # the provider's own redirects: to the authorization endpoint
    assert answer.is_redirect, answer.text[:500]
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == CALLBACK, callback
    return client.get(f"{callback.path}?{callback.query}")
