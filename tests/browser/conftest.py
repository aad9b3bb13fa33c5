"""Playwright driving Debian's Chromium against a live server.

Chromium is found at CHROMIUM_PATH (default /usr/bin/chromium); Playwright never downloads a
browser. A failing test leaves a screenshot of each page it opened in test-artifacts/screenshots/.
"""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.conftest import need_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "pw"  # tests.factories.UserFactory


def htmx_settled(page):
    """Wait until htmx has finished swapping new content in and wired its triggers.

    htmx installs the triggers of swapped-in elements only when it settles, a few milliseconds
    after they appear; Playwright can type into them sooner than that, which no person can.
    """
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module. Playwright's sync API keeps an event loop running in this
    thread while it lives, so it must stop before other modules' plain database tests run; the
    module's own (synchronous) database calls are allowed meanwhile."""
    if not Path(CHROMIUM).exists():
        need_service(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    # A loaded 2-core CI machine can take a few seconds to answer; 5 s (the default) is tight.
    expect.set_options(timeout=15_000)

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for index, page in enumerate(getattr(item, "_opened_pages", [])):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.nodeid)
            # The page may already be gone; the failure report matters more than its picture.
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)


@pytest.fixture
def signed_in(chromium, live_server, request):
    """signed_in(user) → a Playwright page of a fresh browser context, signed in as `user`."""
    contexts = []

    request.node._opened_pages = []

    def sign_in(user):
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900}, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        request.node._opened_pages.append(page)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r".*/agreements/\d+/$"))
        return page

    yield sign_in
    for context in contexts:
        context.close()
