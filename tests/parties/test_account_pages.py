"""Which of django-allauth's account pages the site offers (parties/account_urls.py)."""

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

NOT_OFFERED = [
    "/accounts/",
    "/accounts/signup/",
    "/accounts/email/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/MQ:1vxyz:abc/",
    "/accounts/password/set/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-set-password/",
    "/accounts/password/reset/key/done/",
    "/accounts/login/code/",
    "/accounts/login/code/confirm/",
    "/accounts/reauthenticate/code/",
    "/accounts/reauthenticate/code/confirm/",
    "/accounts/3rdparty/",
    "/accounts/3rdparty/signup/",
    "/accounts/social/connections/",
    "/accounts/social/signup/",
    "/accounts/sessions/",
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_pages_not_offered_answer_404(world, signed_in):
    client = Client()
    if signed_in:
        client.force_login(world.user("US", "lead"))
    for path in NOT_OFFERED:
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"email": "us-lead@example.org"}).status_code == 404, path


def test_the_sign_in_page_offers_no_sign_up_and_no_reset_by_e_mail(client, world):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in page
    assert "/accounts/password/reset/" not in page
    assert "Forgot your password?" not in page


def test_a_password_account_changes_its_own_password(client, world):
    user = world.user("US", "reviewer")
    client.force_login(user)
    assert client.get("/accounts/password/change/").status_code == 200
    wrong = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-it", "password1": "Lithium-ore-2026", "password2": "Lithium-ore-2026"},
    )
    assert wrong.status_code == 200
    user.refresh_from_db()
    assert user.check_password("pw")

    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": "pw", "password1": "Lithium-ore-2026", "password2": "Lithium-ore-2026"},
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lithium-ore-2026")


def test_an_agency_account_has_no_password_to_change_or_set(client, world):
    """A password of its own would let it sign in around its agency's provider."""
    user = world.user("US", "negotiator")
    user.set_unusable_password()
    user.save()
    SocialAccount.objects.create(user=user, provider="agency", uid="agency-subject-1")
    client.force_login(user)
    for path in ("/accounts/password/change/", "/accounts/password/set/"):
        assert client.get(path).status_code == 404, path
        form = {"password1": "Lithium-ore-2026", "password2": "Lithium-ore-2026"}
        assert client.post(path, form).status_code == 404, path
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_confirming_access_never_offers_a_code_by_e_mail(client, world):
    """Even for an account holding a verified e-mail address (the admin can record one)."""
    user = world.user("US", "lead")
    EmailAddress.objects.create(user=user, email="us-lead@example.org", verified=True, primary=True)
    client.force_login(user)
    methods = [m["id"] for m in get_adapter().get_reauthentication_methods(user)]
    assert methods == ["reauthenticate"]
    page = client.get("/accounts/reauthenticate/")
    assert page.status_code == 200
    assert b"/accounts/reauthenticate/code/" not in page.content


def test_an_unreachable_agency_provider_is_a_503_page_not_a_server_error(client, world, settings):
    """Its discovery document is read first: nothing listens on the issuer's port here."""
    settings.OIDC_ISSUER = "http://127.0.0.1:9/o"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "agency",
                    "name": "Agency",
                    "client_id": "agency-client",
                    "secret": "agency-secret",
                    "settings": {"server_url": settings.OIDC_ISSUER},
                }
            ]
        }
    }
    response = client.post("/accounts/oidc/agency/login/")
    assert response.status_code == 503
    assert b"sign-in service cannot be reached" in response.content
