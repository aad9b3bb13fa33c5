"""The django-allauth pages this site offers under /accounts/, and no others.

Offered: password sign-in and sign-out, the page an inactive account is sent to, confirming the
password before a sensitive change, changing one's own password, the two-factor pages, and the
agency's OpenID Connect sign-in (its start and callback, and allauth's pages for a sign-in cancelled
or failed at the provider).

Left out, so they answer 404: sign-up (accounts come from the secretariat or a first agency
sign-in), the social sign-up form (agency accounts are made without one), e-mail addresses and
their verification (nobody signs in by e-mail), password reset by an e-mailed link (an address
nobody verified must not be a way into an account: the secretariat resets passwords), setting a
first password (an agency account signs in only through its agency), sign-in and confirmation by
e-mailed code, and linking or unlinking agency identities (the agency's subject identifier alone
names an account).
"""

from allauth.account import urls as account_urls
from allauth.socialaccount import urls as socialaccount_urls
from allauth.socialaccount.providers.openid_connect import views as openid_connect
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, include, path

from .agency import provider_unreachable_answered
from .signin import PasswordChangeView


def only(patterns: list, names: set[str]) -> list[URLPattern]:
    """allauth's own patterns for these names (its paths and views), failing loudly at start-up
    should an allauth upgrade rename one."""
    kept = [p for p in patterns if isinstance(p, URLPattern) and p.name in names]
    missing = names - {p.name for p in kept}
    if missing:
        raise ImproperlyConfigured(f"django-allauth no longer names {sorted(missing)}")
    return kept


urlpatterns = [
    *only(
        account_urls.urlpatterns,
        {"account_login", "account_logout", "account_inactive", "account_reauthenticate"},
    ),
    # allauth's own, except that an account with no password (made by agency sign-in) has none
    # to change here, rather than being sent to set one.
    path("password/change/", PasswordChangeView.as_view(), name="account_change_password"),
    path("2fa/", include("allauth.mfa.urls")),
    path(
        "3rdparty/",
        include(
            only(
                socialaccount_urls.urlpatterns,
                {"socialaccount_login_cancelled", "socialaccount_login_error"},
            )
        ),
    ),
    # The agency's sign-in and its callback (the redirect URI); 404 unless OIDC_ISSUER is set.
    path(
        "oidc/<str:provider_id>/login/",
        provider_unreachable_answered(openid_connect.login),
        name="openid_connect_login",
    ),
    path(
        "oidc/<str:provider_id>/login/callback/",
        provider_unreachable_answered(openid_connect.callback),
        name="openid_connect_callback",
    ),
]
