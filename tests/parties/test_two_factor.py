"""Two-factor authentication through the site's own pages: enrolment with a code computed here from
the secret the page shows, the code step at sign-in, recovery codes, the limit on wrong codes, the
requirement by role (the admin included), the audit and the secretariat's reset."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from parties.access import actor_for
from parties.models import AuditEntry
from parties.two_factor import two_factor_reset

PASSWORD = "pw"  # tests.factories.UserFactory
LOGIN = "/accounts/login/"
ACTIVATE = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
HOME = "/"  # where sign-in leads: the agreements
PAGE = "/notifications/"  # any page


def totp(secret: str) -> str:
    """The code an authenticator app shows now for this secret (RFC 6238, 30 s, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def two_factor_settings(settings):
    settings.TWO_FACTOR_REQUIRED_FOR = ["lead", "staff"]
    # One step either side, so a code computed just before a 30-second boundary still counts.
    settings.MFA_TOTP_TOLERANCE = 1


def sign_in(client, username: str, next_url: str = ""):
    data = {"login": username, "password": PASSWORD}
    return client.post(LOGIN + (f"?next={next_url}" if next_url else ""), data)


def enrol(client, django_capture_on_commit_callbacks) -> str:
    """Set up the authenticator app for the signed-in user of `client`; answers the secret."""
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp(secret)})
    assert response.status_code == 302, response.text
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    return secret


@pytest.fixture
def enrolled(client, django_capture_on_commit_callbacks):
    """enrolled(user) → the user's authenticator secret; the client is signed out again."""

    def make(user) -> str:
        sign_in(client, user.get_username())
        secret = enrol(client, django_capture_on_commit_callbacks)
        client.post("/accounts/logout/")
        cache.clear()  # the code used at enrolment may be used again at sign-in in these tests
        return secret

    return make


def recovery_codes(user) -> list[str]:
    return (
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )


def test_a_lead_signing_in_is_sent_to_enrolment_and_enrols_with_a_code_from_the_secret(
    client, world, django_capture_on_commit_callbacks
):
    lead = world.user("US", "lead")
    response = sign_in(client, "us-lead")
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0] == ACTIVATE
    assert "Your role requires two-factor authentication" in page.text
    # The QR code is an image in the page itself (the CSP allows data: images, no script).
    assert 'src="data:image/svg+xml;base64,' in page.text
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.text)[1]

    refused = client.post(ACTIVATE, {"code": "000000" if totp(secret) != "000000" else "111111"})
    assert refused.status_code == 200
    assert "Incorrect code" in refused.text
    assert not Authenticator.objects.filter(user=lead).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    assert len(re.findall(r"<li><code>\w+</code></li>", codes.text)) == 10
    assert client.get(PAGE).status_code == 200
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.TWO_FACTOR_ENROLLED)
    assert (entry.actor, entry.subject, entry.party_code) == (lead, lead, "US")
    assert entry.detail == "Authenticator app activated"


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client, world, enrolled):
    secret = enrolled(world.user("US", "lead"))

    response = sign_in(client, "us-lead")
    assert response["Location"] == AUTHENTICATE
    assert client.get(PAGE)["Location"].startswith(LOGIN)  # not signed in yet
    page = client.get(AUTHENTICATE)
    assert "<h1>Two-factor authentication</h1>" in page.text
    assert re.search(r'<label for="id_code">Code</label>', page.text)

    wrong = client.post(AUTHENTICATE, {"code": "12345" if totp(secret) != "12345" else "54321"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.text
    assert client.get(PAGE).status_code == 302

    right = client.post(AUTHENTICATE, {"code": totp(secret)})
    assert right["Location"] == reverse("agreement:agreement-list")
    assert client.get(PAGE).status_code == 200
    failure = AuditEntry.objects.get(kind=AuditEntry.Kind.SIGN_IN_FAILED)
    assert (failure.subject.username, failure.detail) == ("us-lead", "Wrong two-factor code")


def test_a_code_from_the_app_works_once(client, world, enrolled):
    secret = enrolled(world.user("US", "lead"))
    sign_in(client, "us-lead")
    code = totp(secret)
    assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
    client.post("/accounts/logout/")

    sign_in(client, "us-lead")
    replay = client.post(AUTHENTICATE, {"code": code})
    assert replay.status_code == 200
    assert "Incorrect code" in replay.text


def test_a_recovery_code_signs_in_once(client, world, enrolled):
    lead = world.user("US", "lead")
    enrolled(lead)
    code = recovery_codes(lead)[0]

    sign_in(client, "us-lead")
    assert client.post(AUTHENTICATE, {"code": code})["Location"] == HOME
    assert code not in recovery_codes(lead)
    assert len(recovery_codes(lead)) == 9
    client.post("/accounts/logout/")

    sign_in(client, "us-lead")
    again = client.post(AUTHENTICATE, {"code": code})
    assert again.status_code == 200
    assert "Incorrect code" in again.text


def test_wrong_codes_are_limited_per_account(client, world, enrolled):
    """Five wrong codes in five minutes: even the right code is refused for a while."""
    secret = enrolled(world.user("US", "lead"))
    sign_in(client, "us-lead")
    wrong = "000000" if totp(secret) != "000000" else "111111"
    for _ in range(5):
        assert "Incorrect code" in client.post(AUTHENTICATE, {"code": wrong}).text

    limited = client.post(AUTHENTICATE, {"code": totp(secret)})
    assert limited.status_code == 200
    assert "Too many failed login attempts" in limited.text
    assert client.get(PAGE).status_code == 302
    # A fresh sign-in (another browser) meets the same limit: it counts per account.
    other = client.__class__()
    sign_in(other, "us-lead")
    assert "Too many failed" in other.post(AUTHENTICATE, {"code": totp(secret)}).text
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.SIGN_IN_FAILED).count() == 5


def test_until_enrolled_a_lead_reaches_only_enrolment_and_sign_out(client, world):
    sign_in(client, "us-lead")
    for path in (HOME, f"/agreements/{world.agreement.pk}/", "/notifications/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, ACTIVATE), path

    api = client.get("/api/v1/provisions/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    assert "two-factor authentication" in api.json()["detail"]

    htmx = client.get(HOME, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == ACTIVATE

    for path in ("/accounts/2fa/", ACTIVATE, "/parties.css"):
        assert client.get(path).status_code == 200, path
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get(PAGE)["Location"].startswith(LOGIN)


@pytest.mark.parametrize("role", ["negotiator", "reviewer", "observer"])
def test_other_roles_are_not_required_by_default(client, world, role):
    sign_in(client, f"us-{role}")
    assert client.get(PAGE).status_code == 200


def test_nobody_is_required_when_the_setting_is_empty(client, world, settings):
    settings.TWO_FACTOR_REQUIRED_FOR = []
    for username in ("us-lead", "secretariat"):
        response = sign_in(client, username)
        assert response["Location"] == HOME
        assert client.get(PAGE).status_code == 200
        client.post("/accounts/logout/")


def test_the_admin_signs_staff_in_through_the_code_step(client, world, secretariat, enrolled):
    secret = enrolled(secretariat)

    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response["Location"].startswith(LOGIN)  # the site's own sign-in
    assert sign_in(client, "secretariat", next_url="/admin/")["Location"] == AUTHENTICATE
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    assert client.post(AUTHENTICATE, {"code": totp(secret)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_without_two_factor_cannot_reach_the_admin(client, world, secretariat):
    sign_in(client, "secretariat", next_url="/admin/")
    for path in ("/admin/", "/admin/auth/user/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, ACTIVATE), path


def test_turning_off_and_new_recovery_codes_are_audited(
    client, world, enrolled, django_capture_on_commit_callbacks
):
    lead = world.user("US", "lead")
    secret = enrolled(lead)
    sign_in(client, "us-lead")
    client.post(AUTHENTICATE, {"code": totp(secret)})

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=lead).exists()
    entries = list(
        AuditEntry.objects.filter(subject=lead, kind__startswith="two_factor")
        .order_by("id")
        .values_list("kind", "detail")
    )
    assert entries == [
        (AuditEntry.Kind.TWO_FACTOR_ENROLLED, "Authenticator app activated"),
        (AuditEntry.Kind.TWO_FACTOR_ENROLLED, "Recovery codes regenerated"),
        (AuditEntry.Kind.TWO_FACTOR_REMOVED, "Authenticator app deactivated"),
    ]
    # Required for a lead: straight back to enrolment, to set up the new device.
    assert client.get(PAGE)["Location"] == ACTIVATE


def test_the_secretariat_resets_a_lost_device_from_the_command_line(
    client, world, enrolled, secretariat
):
    lead = world.user("US", "lead")
    enrolled(lead)
    call_command("two_factor_reset", "us-lead")
    assert not Authenticator.objects.filter(user=lead).exists()
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.TWO_FACTOR_REMOVED)
    assert (entry.actor, entry.subject, entry.party_code) == (None, lead, "US")
    assert entry.detail == (
        "Reset from the command line: Authenticator app, Recovery codes removed"
    )
    # The password signs in again, straight to enrolment of the new device.
    assert sign_in(client, "us-lead")["Location"] == HOME
    assert client.get(PAGE)["Location"] == ACTIVATE

    with pytest.raises(CommandError, match="No user"):
        call_command("two_factor_reset", "nobody")
    with pytest.raises(CommandError, match="has no two-factor"):
        call_command("two_factor_reset", "us-lead")


def test_only_the_secretariat_resets_someone_elses_two_factor(world, enrolled, secretariat):
    lead = world.user("EU", "lead")
    enrolled(lead)
    with pytest.raises(PermissionDenied):
        two_factor_reset(actor=actor_for(world.user("US", "lead")), user=lead)
    assert two_factor_reset(actor=actor_for(secretariat), user=lead) == 2
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.TWO_FACTOR_REMOVED)
    assert (entry.actor, entry.subject, entry.party_code) == (secretariat, lead, "EU")


def test_an_unknown_role_in_the_setting_fails_the_system_check(settings):
    from parties.two_factor import check_required_roles

    settings.TWO_FACTOR_REQUIRED_FOR = ["lead", "chair"]
    assert [error.id for error in check_required_roles(None)] == ["parties.E001"]


def test_with_redis_unreachable_the_code_step_still_signs_in(client, world, enrolled, settings):
    """The cache degrades to none (config.resilience): allauth's rates and its used-code marks go
    with it, and sign-in still works (axes counts wrong passwords in the database meanwhile)."""
    secret = enrolled(world.user("US", "lead"))
    settings.CACHES = {
        "default": {
            "BACKEND": "config.resilience.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    assert sign_in(client, "us-lead")["Location"] == AUTHENTICATE
    assert client.post(AUTHENTICATE, {"code": totp(secret)})["Location"] == HOME
    assert client.get(PAGE).status_code == 200


def test_changes_long_after_sign_in_ask_to_confirm_it_is_you(client, world, enrolled):
    secret = enrolled(world.user("US", "lead"))
    sign_in(client, "us-lead")
    client.post(AUTHENTICATE, {"code": totp(secret)})
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= 3600  # signed in an hour ago
    session.save()

    response = client.get("/accounts/2fa/totp/deactivate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    page = client.get(response["Location"])
    assert "<h1>Confirm it is you</h1>" in page.text
    wrong = client.post(response["Location"], {"password": "not-it"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.text
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    assert client.get("/accounts/2fa/totp/deactivate/").status_code == 200
