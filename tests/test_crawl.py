"""As a new user would after `make run`: every page reachable from the navigation works, for
each kind of user, on the demo agreement."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

SKIP = ("/static/", "/admin/", "/accounts/logout/", "/parties.css", "/api/")
LINK = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


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
