"""One throttled sign-in path: django-axes counts failures in the database, per account and per
client address (behind trusted proxies, the forwarded one); the admin signs in through the site's
page; the secretariat unlocks by page or command; every sign-in, failure, lockout and unlock is in
the audit log."""

import logging
import socket

import pytest
import redis
from django.core.management import CommandError, call_command
from django.test import Client

from parties.lockout import LOCKED_MESSAGE
from parties.models import AuditEntry
from tests.conftest import need_service

Kind = AuditEntry.Kind
LOGIN = "/accounts/login/"
PASSWORD = "right-password-1"
PROXY = "10.0.0.2"


@pytest.fixture
def eu(world):
    user = world.user("EU", "negotiator")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username, password, *, url=LOGIN, **headers):
    return client.post(url, {"login": username, "password": password}, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def assert_locked(response):
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert "ask the secretariat" in response.content.decode()


def lock(client, username="eu-negotiator", **headers):
    for _ in range(5):
        sign_in(client, username, "wrong", **headers)


def test_25_wrong_passwords_on_the_sign_in_page_lock_the_account(eu, client):
    statuses = []
    for attempt in range(25):
        # Each from its own address and in any letter case: still one account.
        typed = "EU-Negotiator" if attempt % 2 else "eu-negotiator"
        response = sign_in(client, typed, "wrong", REMOTE_ADDR=f"203.0.113.{attempt + 1}")
        statuses.append(response.status_code)
    assert statuses == [200] * 4 + [429] * 21
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD, REMOTE_ADDR="198.51.100.1"))
    assert not signed_in(client)
    # The refusals after the lock neither count nor extend it: the account's failures stay at 5.
    assert sum(a.failures_since_start for a in _attempts("eu-negotiator")) == 5


def test_a_wrong_password_shows_the_form_again_and_a_right_one_signs_in(eu, client):
    response = sign_in(client, "eu-negotiator", "wrong")
    assert response.status_code == 200
    assert b'name="login"' in response.content and not signed_in(client)
    response = sign_in(client, "eu-negotiator", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_the_admin_signs_in_through_the_site_sign_in_and_is_throttled_by_it(eu, client, settings):
    eu.is_staff = True
    eu.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    admin_sign_in = response["Location"]
    assert response.status_code == 302 and admin_sign_in == f"{LOGIN}?next=%2Fadmin%2F"
    # Credentials posted to the admin's own sign-in never authenticate: it redirects, unread.
    response = sign_in(client, "eu-negotiator", PASSWORD, url="/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    response = client.post("/admin/login/", {"username": "eu-negotiator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
    assert not AuditEntry.objects.filter(kind=Kind.SIGN_IN).exists()
    # 25 wrong passwords by the admin's path lock the account; the right one is then refused.
    statuses = [
        sign_in(client, "eu-negotiator", "wrong", url=admin_sign_in).status_code for _ in range(25)
    ]
    assert 429 in statuses[:5] and set(statuses[5:]) == {429}
    assert_locked(sign_in(client, "eu-negotiator", PASSWORD, url=admin_sign_in))
    assert client.get("/admin/").status_code == 302 and not signed_in(client)


def test_behind_one_trusted_proxy_the_forwarded_address_is_what_the_client_limit_counts(
    eu, client, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    # Twenty failures for twenty names (no account reaches its own limit) from one client.
    statuses = [sign_in(client, f"guess-{n}", "wrong", **attacker).status_code for n in range(20)]
    assert statuses == [200] * 19 + [429]
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD, **attacker))
    # A spoofed entry the client put before its own is not taken for the client.
    spoofed = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.99, 198.51.100.7"}
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD, **spoofed))
    # Another client behind the same proxy is counted apart and signs in.
    colleague = Client()
    response = sign_in(
        colleague, "eu-negotiator", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    assert response.status_code == 302 and signed_in(colleague)
    entry = AuditEntry.objects.get(kind=Kind.SIGN_IN)
    assert entry.client_address == "198.51.100.8"
    lockout = AuditEntry.objects.get(kind=Kind.LOCKOUT)
    assert lockout.client_address == "198.51.100.7" and "20 failures from 198.51.100.7" in (
        lockout.detail
    )


def test_with_no_trusted_proxy_the_socket_address_is_counted_and_the_header_ignored(
    eu, client, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(20):
        sign_in(
            client, f"guess-{n}", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
    assert_locked(
        sign_in(
            Client(),
            "eu-negotiator",
            PASSWORD,
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="192.0.2.200",
        )
    )
    response = sign_in(Client(), "eu-negotiator", PASSWORD, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 302


def test_the_secretariat_unlocks_on_the_locked_accounts_page(eu, client, secretariat):
    lock(Client())
    page = Client()
    page.force_login(secretariat)
    listing = page.get("/accounts/locked/")
    assert listing.status_code == 200 and b"<td>eu-negotiator</td>" in listing.content
    response = page.post("/accounts/locked/", {"username": "eu-negotiator"})
    assert response.status_code == 302
    after = page.get("/accounts/locked/").content.decode()
    assert "<td>eu-negotiator</td>" not in after and "eu-negotiator” unlocked" in after
    assert sign_in(client, "eu-negotiator", PASSWORD).status_code == 302 and signed_in(client)
    unlock = AuditEntry.objects.get(kind=Kind.UNLOCK)
    assert (unlock.actor, unlock.subject, unlock.username) == (secretariat, eu, "eu-negotiator")
    assert unlock.party_code == "EU"
    assert unlock.client_address == "127.0.0.1" and "by the secretariat" in unlock.detail


def test_unlocking_an_account_with_nothing_counted_is_refused_with_400(world, secretariat):
    page = Client()
    page.force_login(secretariat)
    response = page.post("/accounts/locked/", {"username": "nobody-at-all"})
    assert response.status_code == 400
    assert "nothing to unlock" in response.content.decode()
    assert not AuditEntry.objects.filter(kind=Kind.UNLOCK).exists()


@pytest.mark.parametrize("role", ["observer", "reviewer", "negotiator", "lead"])
def test_only_the_secretariat_sees_or_unlocks_locked_accounts(eu, world, role):
    lock(Client())
    member = Client()
    member.force_login(world.user("US", role))
    assert member.get("/accounts/locked/").status_code == 403
    assert member.post("/accounts/locked/", {"username": "eu-negotiator"}).status_code == 403
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD))
    assert not AuditEntry.objects.filter(kind=Kind.UNLOCK).exists()


def test_only_the_secretariat_has_the_locked_accounts_link(world, secretariat):
    page = Client()
    page.force_login(secretariat)
    assert b'href="/accounts/locked/"' in page.get("/notifications/").content
    page.force_login(world.user("US", "lead"))
    assert b'href="/accounts/locked/"' not in page.get("/notifications/").content


def test_the_unlock_command_unlocks_and_is_audited(eu, client, capsys):
    lock(Client())
    call_command("unlock_account", "EU-Negotiator")
    assert "Unlocked EU-Negotiator: 5 failed sign-ins forgotten" in capsys.readouterr().out
    assert sign_in(client, "eu-negotiator", PASSWORD).status_code == 302
    unlock = AuditEntry.objects.get(kind=Kind.UNLOCK)
    assert unlock.actor is None and unlock.subject == eu
    assert unlock.client_address is None and "from the command line" in unlock.detail
    with pytest.raises(CommandError, match="nothing to unlock"):
        call_command("unlock_account", "eu-negotiator")


def test_a_redis_flush_does_not_unlock(eu, settings):
    if not settings.REDIS_URL:
        need_service("needs Redis (set REDIS_URL)")
    lock(Client())
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD))


def test_sign_ins_failures_lockouts_and_sign_outs_are_audited(eu, client, caplog):
    with caplog.at_level(logging.WARNING, logger="parties.lockout"):
        lock(client, REMOTE_ADDR="203.0.113.5")
        sign_in(client, "eu-negotiator", PASSWORD, REMOTE_ADDR="203.0.113.5")  # refused
    failures = AuditEntry.objects.filter(kind=Kind.SIGN_IN_FAILED).order_by("id")
    assert [e.detail for e in failures] == ["Wrong username or password"] * 5 + [
        "Refused: locked after too many failures"
    ]
    assert {(e.subject, e.username, e.client_address) for e in failures} == {
        (eu, "eu-negotiator", "203.0.113.5")
    }
    lockout = AuditEntry.objects.get(kind=Kind.LOCKOUT)  # once, not for each refusal
    assert (lockout.subject, lockout.party_code, lockout.client_address) == (
        eu,
        "EU",
        "203.0.113.5",
    )
    assert lockout.detail == "Locked for 15 minutes after 5 failures for this account"
    warnings = [r for r in caplog.records if r.name == "parties.lockout"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "eu-negotiator" in warnings[0].getMessage()

    call_command("unlock_account", "eu-negotiator")
    assert sign_in(client, "eu-negotiator", PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 302
    signed = AuditEntry.objects.get(kind=Kind.SIGN_IN)
    assert (signed.actor, signed.subject, signed.client_address) == (eu, eu, "203.0.113.5")
    assert client.post("/accounts/logout/", REMOTE_ADDR="203.0.113.5").status_code == 302
    assert AuditEntry.objects.get(kind=Kind.SIGN_OUT).subject == eu


def test_a_failure_for_a_name_that_is_no_account_is_recorded_with_the_name_typed(world, client):
    sign_in(client, "No-Such-Person", "x")
    sign_in(client, "x" * 150 + "tail", "x")  # longer than any username: the form refuses it
    entry = AuditEntry.objects.get(kind=Kind.SIGN_IN_FAILED)
    assert (entry.subject, entry.username, entry.party_code) == (None, "no-such-person", "")


def test_a_long_name_typed_is_cut_to_the_longest_username(world, client):
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(
        sender=__name__,
        credentials={"username": "y" * 5000, "password": "********"},
        request=client.post(LOGIN, {}).wsgi_request,
    )
    entry = AuditEntry.objects.get(kind=Kind.SIGN_IN_FAILED)
    assert entry.username == "y" * 150


def _attempts(username):
    from axes.models import AccessAttempt

    return AccessAttempt.objects.filter(username=username)


def test_a_sign_in_forgets_the_accounts_failures_but_not_its_addresss(eu, client):
    for n in range(4):
        sign_in(client, f"guess-{n}", "wrong")
        sign_in(client, "eu-negotiator", "wrong")
    assert sign_in(client, "eu-negotiator", PASSWORD).status_code == 302
    assert not _attempts("eu-negotiator").exists()
    # The address keeps its four failures for other names: sixteen more reach its limit of 20.
    client.logout()
    statuses = [sign_in(Client(), f"more-{n}", "wrong").status_code for n in range(16)]
    assert statuses == [200] * 15 + [429]
    assert_locked(sign_in(Client(), "eu-negotiator", PASSWORD))


def test_with_redis_unreachable_sign_in_works_and_failures_still_lock(eu, client, settings):
    with socket.socket() as placeholder:  # bound, never listening: connections refused at once
        placeholder.bind(("127.0.0.1", 0))
        settings.CACHES = {
            "default": {
                "BACKEND": "config.resilience.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{placeholder.getsockname()[1]}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        assert sign_in(client, "eu-negotiator", PASSWORD).status_code == 302
        client.logout()
        lock(client)
        assert_locked(sign_in(client, "eu-negotiator", PASSWORD))


def test_wrong_passwords_when_confirming_access_count_too(eu, client):
    client.force_login(eu)
    statuses = [
        client.post("/accounts/reauthenticate/", {"password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    client.logout()
    assert_locked(sign_in(client, "eu-negotiator", PASSWORD))
