"""Faults on the real services: Redis stopped, PostgreSQL restarted (a worker killed mid-export:
test_worker_loss.py)."""

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from agreement.models import ExportJob
from provisions.models import Provision
from tests.factories import make_token


def http(
    method: str, url: str, token: str | None = None, body: dict | None = None, timeout: float = 10
):
    """(status, parsed JSON or text) of one request; connection failures give status 0."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except OSError:
        return 0, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def sign_in(base: str, username: str, password: str) -> tuple[int, set[str]]:
    """(status, cookie names) of signing in through the page as a browser does, CSRF included."""
    jar = CookieJar()

    class KeepRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None  # the 302 itself is the answer

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), KeepRedirects)
    page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"login": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    try:
        status = opener.open(f"{base}/accounts/login/", form, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, {cookie.name for cookie in jar}


def test_with_redis_stopped_the_app_keeps_working_and_exports_say_503(
    world, make_provision, app_server, own_redis
):
    redis_server, redis_url = own_redis
    provision = make_provision("The Parties shall cooperate.")
    token = make_token(world.user("US", "negotiator"))
    base = app_server(REDIS_URL=redis_url)
    assert http("GET", f"{base}/healthz")[1]["redis"] == "ok"

    redis_server.terminate()
    redis_server.wait(timeout=10)

    status, health = http("GET", f"{base}/healthz")
    assert (
        status == 503 and health["redis"].startswith("unavailable") and health["database"] == "ok"
    )
    assert http("GET", f"{base}/api/v1/provisions/", token)[0] == 200
    started = time.monotonic()
    status, edited = http(
        "PATCH",
        f"{base}/api/v1/provisions/{provision.pk}/",
        token,
        {"body": "The Parties should cooperate.", "version": 1},
    )
    assert status == 200 and edited["version"] == 2
    assert time.monotonic() - started < 8  # queueing the e-mails gives up quickly
    assert http("GET", f"{base}/accounts/login/")[0] == 200  # pages: sessions and cache degrade
    before = ExportJob.objects.count()
    status, answer = http(
        "POST",
        f"{base}/api/v1/exports/",
        token,
        {"agreement": world.agreement.pk, "format": "pdf", "variant": "negotiating"},
    )
    assert (
        status == 503
        and answer["detail"] == "Export service unavailable; please try again shortly."
    )
    assert ExportJob.objects.count() == before  # nothing half-created
    assert Provision.objects.get(pk=provision.pk).history.count() == 2


def test_with_redis_stopped_sign_in_works_and_failures_still_lock_out(world, app_server, own_redis):
    redis_server, redis_url = own_redis
    # The server runs the production settings: a password hash they read, not the tests' MD5.
    hasher = PBKDF2PasswordHasher()
    user = world.user("US", "negotiator")
    user.password = hasher.encode("right-password-1", hasher.salt())
    user.save()
    base = app_server(REDIS_URL=redis_url)
    assert http("GET", f"{base}/healthz")[1]["redis"] == "ok"

    redis_server.terminate()
    redis_server.wait(timeout=10)

    statuses = [sign_in(base, "eu-negotiator", "x")[0] for _ in range(30)]
    # Failures are counted in the database, shared by app_server's two gunicorn processes: the
    # fifth failure locks the account, whichever process serves each attempt.
    assert statuses == [200] * 4 + [429] * 26, statuses
    status, cookies = sign_in(base, "us-negotiator", "right-password-1")
    assert status == 302 and "sessionid" in cookies


# The data the restart test serves, made on its own cluster; prints the API token's key.
SEED_A_PROVISION = """
from parties.access import actor_for
from parties.models import Membership
from provisions.services import provision_create
from tests.factories import ChapterFactory, MembershipFactory, ParticipationFactory, make_token

lead = MembershipFactory(user__username="us-lead", party__code="US", role=Membership.Role.LEAD)
participation = ParticipationFactory(party=lead.party)
provision_create(
    actor=actor_for(lead.user),
    agreement=participation.agreement,
    chapter=ChapterFactory(agreement=participation.agreement),
    number="2.1",
    heading="Reference prices",
    category="trade_measures",
    body="The Parties shall cooperate.",
)
print(make_token(lead.user))
"""


def test_postgresql_restart_under_load(own_postgresql, own_redis, gunicorn_server):
    token = own_postgresql.manage("shell", "--no-imports", "-c", SEED_A_PROVISION).strip()
    base = gunicorn_server(DATABASE_URL=own_postgresql.url, REDIS_URL=own_redis[1])
    url = f"{base}/api/v1/provisions/"
    status, provisions = http("GET", url, token)
    assert status == 200 and provisions["count"] == 1, provisions
    statuses: Counter = Counter()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            statuses[http("GET", url, token, timeout=15)[0]] += 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    own_postgresql.restart()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses[200] > 0
    assert set(statuses) <= {200, 503, 0}, (
        statuses
    )  # a clean 503 (or a refused connection), never a 500
    # The same gunicorn workers answer again without a restart of the app.
    assert all(http("GET", url, token)[0] == 200 for _ in range(5))
