"""As a new user would after `make run`: every page reachable from the navigation works, for
each kind of user, on the demo agreement."""

import io
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

SKIP = ("/static/", "/admin/", "/accounts/logout/", "/parties.css", "/api/")
LINK = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture(scope="module")
def module_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module in a transaction rolled back after it; each test runs
    in a savepoint of it (pytest-django's `db`)."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(module_demo, db, settings):
    settings.DEBUG = True  # as `make run` serves it


@pytest.mark.parametrize(
    "username", ["us-observer", "eu-negotiator", "jp-lead", "au-reviewer", "secretariat"]
)
def test_every_page_reachable_from_the_navigation_works(demo, client, username):
    client.force_login(get_user_model().objects.get(username=username))
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < 80:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{username}: {url} answered {response.status_code}"
        if "text/html" not in response["Content-Type"]:
            continue
        for link in LINK.findall(response.content.decode()):
            link = unescape(link)
            if not link.startswith(SKIP) and link not in seen:
                queue.append(link)
    assert len(seen) > 30, f"{username} reached only {len(seen)} pages"


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
