"""Two-factor authentication: who must have it, the gate that sends them to enrol, the audit of
enrolments, and the secretariat's reset for a lost device.

django-allauth's MFA app does the work itself (an authenticator app, TOTP, with recovery codes;
the code step at sign-in; its pages under /accounts/2fa/). This module adds the rule of this site:
the roles named in `settings.TWO_FACTOR_REQUIRED_FOR` (delegation roles from `Membership.Role`,
and "staff" for the secretariat) may use nothing but the enrolment pages until they have enrolled.
"""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import checks
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .access import Actor, Capability, actor_for, require
from .audit import audit_record
from .models import AuditEntry, Membership

STAFF = "staff"
# Authenticators that are a second factor by themselves; recovery codes only stand in for them.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
NAMES = {
    Authenticator.Type.TOTP: "Authenticator app",
    Authenticator.Type.WEBAUTHN: "Security key",
    Authenticator.Type.RECOVERY_CODES: "Recovery codes",
}
REQUIRED_MESSAGE = (
    "Your role requires two-factor authentication. Set up an authenticator app to continue."
)
API_REQUIRED_MESSAGE = (
    "Your role requires two-factor authentication, which this account has not set up: set it up "
    "at {url} before using the API with a browser session."
)


def two_factor_required(user) -> bool:
    """Whether the setting requires this user to sign in with a second factor.

    Never for an account made by agency sign-in (parties.agency): it has no password, so it signs
    in only through the agency's identity provider, whose own multi-factor sign-in stands for ours.
    Given a password by the secretariat, it is asked again like any other."""
    required = set(settings.TWO_FACTOR_REQUIRED_FOR)
    if not required or not getattr(user, "is_authenticated", False):
        return False
    actor = actor_for(user)
    if not ((STAFF in required and actor.is_secretariat) or actor.role in required):
        return False
    return user.has_usable_password() or not SocialAccount.objects.filter(user=user).exists()


def two_factor_enrolled(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


@transaction.atomic
def two_factor_reset(*, actor: Actor | None, user: AbstractBaseUser, request=None) -> int:
    """The secretariat removes every authenticator of a user who lost their device (recovery codes
    too); they set up a new one at their next sign-in. `actor=None` is the operator's command line.
    Audited; answers how many authenticators were removed."""
    if actor is not None:
        require(actor, Capability.ADMINISTER)
    removed = list(Authenticator.objects.select_for_update().filter(user=user))
    Authenticator.objects.filter(pk__in=[a.pk for a in removed]).delete()
    if removed:
        names = ", ".join(sorted({NAMES.get(a.type, a.type) for a in removed}))
        by = "by the secretariat" if actor is not None else "from the command line"
        audit_record(
            AuditEntry.Kind.TWO_FACTOR_REMOVED,
            actor=actor.user if actor is not None else None,
            subject=user,
            request=request,
            detail=f"Reset {by}: {names} removed",
        )
    return len(removed)


def signed_in_recently(request) -> bool:
    """Whether this session signed in (password, agency or code step) or confirmed access within
    ACCOUNT_REAUTHENTICATION_TIMEOUT. allauth asks to confirm access before any change of
    authenticators; just after signing in (as when the gate sends someone to enrol) the sign-in
    itself is that confirmation, rather than asking for the password twice in a minute."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return (
        bool(records)
        and time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
    )


class TwoFactorEnrolmentMiddleware:
    """A signed-in user whose role requires two-factor and who has not enrolled reaches only the
    enrolment, re-authentication and sign-out pages: other pages redirect to enrolment, the API
    (with a session) answers 403. Token-authenticated API calls never carry a session user here;
    their tokens are made on a page, after a full sign-in."""

    # Besides allauth's two-factor pages, all named mfa_*: what those pages need and sign-out.
    OPEN_VIEWS = frozenset(
        {"account_logout", "account_reauthenticate", "healthz", "parties:party-colours"}
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        # Read by the enrolment pages, which say why the visitor is there.
        request.two_factor_pending = (
            user is not None and two_factor_required(user) and not two_factor_enrolled(user)
        )
        if not request.two_factor_pending or self._is_open(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": API_REQUIRED_MESSAGE.format(url=reverse("mfa_activate_totp")),
                    "code": "two_factor_required",
                },
                status=403,
            )
        url = reverse("mfa_activate_totp")
        if getattr(request, "htmx", False):
            # A redirect would be followed inside the fragment; htmx loads the whole page instead.
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)

    def _is_open(self, request) -> bool:
        view = request.resolver_match.view_name
        return view.startswith("mfa_") or view in self.OPEN_VIEWS


# Audit: allauth announces each change of authenticators by a signal.


def _on_added(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type in SECOND_FACTORS:
        audit_record(
            AuditEntry.Kind.TWO_FACTOR_ENROLLED,
            actor=user,
            subject=user,
            request=request,
            detail=f"{NAMES[authenticator.type]} activated",
        )


def _on_removed(sender, request, user, authenticator, **kwargs) -> None:
    # Recovery codes go with the last authenticator they stood in for: one entry says it.
    if authenticator.type in SECOND_FACTORS:
        audit_record(
            AuditEntry.Kind.TWO_FACTOR_REMOVED,
            actor=user,
            subject=user,
            request=request,
            detail=f"{NAMES[authenticator.type]} deactivated",
        )


def _on_reset(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(
        AuditEntry.Kind.TWO_FACTOR_ENROLLED,
        actor=user,
        subject=user,
        request=request,
        detail=f"{NAMES.get(authenticator.type, authenticator.type)} regenerated",
    )


def _on_failed(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(
        AuditEntry.Kind.SIGN_IN_FAILED,
        subject=user,
        request=request,
        detail="Wrong two-factor code"
        + (" when confirming access" if kwargs.get("reauthentication") else ""),
    )


def connect_audit() -> None:
    uid = "parties.two_factor"
    mfa_signals.authenticator_added.connect(_on_added, dispatch_uid=f"{uid}.added")
    mfa_signals.authenticator_removed.connect(_on_removed, dispatch_uid=f"{uid}.removed")
    mfa_signals.authenticator_reset.connect(_on_reset, dispatch_uid=f"{uid}.reset")
    mfa_signals.authentication_failed.connect(_on_failed, dispatch_uid=f"{uid}.failed")


@checks.register(checks.Tags.security)
def check_required_roles(app_configs, **kwargs) -> list[checks.CheckMessage]:
    known = {*Membership.Role.values, STAFF}
    unknown = sorted(set(settings.TWO_FACTOR_REQUIRED_FOR) - known)
    if not unknown:
        return []
    return [
        checks.Error(
            f"TWO_FACTOR_REQUIRED_FOR names unknown roles: {', '.join(unknown)}",
            hint=f"Use any of: {', '.join(sorted(known))} (comma-separated), or leave it empty.",
            id="parties.E001",
        )
    ]
