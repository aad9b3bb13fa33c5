"""Failed sign-ins, lockouts and unlocks (django-axes); the audit of every sign-in and sign-out.

Every password sign-in (the site's page, and the admin, which redirects to it) goes through
`django.contrib.auth.authenticate`, where `axes.backends.AxesStandaloneBackend` comes first: it
refuses a locked account or client before any password is checked, and axes counts each failure in
the database (`axes.models.AccessAttempt`, in PostgreSQL: a Redis flush or restart resets nothing).
Two limits, each over `AXES_COOLOFF_TIME`: `AXES_FAILURE_LIMIT` failures for one account (from
anywhere) and `SIGNIN_FAILURES_PER_CLIENT` from one client address (`config.security.client_address`,
which trusts `X-Forwarded-For` only from `TRUSTED_PROXY_COUNT` proxies). The secretariat lifts a
lock early with `account_unlock` (the locked-accounts page, `manage.py unlock_account`).

Every sign-in, failure, lockout, unlock and sign-out is written to the audit log.
"""

from __future__ import annotations

import logging

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from .access import Actor, Capability, require
from .audit import audit_record
from .models import AuditEntry

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = (
    "Too many failed sign-ins. Wait 15 minutes before trying again, or ask the secretariat "
    "to unlock your account."
)
USERNAME_MAX = 150  # the longest username an account can have; longer names are cut to it


def signin_username(request, credentials: dict | None) -> str:
    """The account a sign-in attempt names, as axes counts it (AXES_USERNAME_CALLABLE).

    Folded to lower case: allauth signs "EU-Lead" in as "eu-lead", so varying the case must not
    buy fresh attempts; cut to the longest possible username, so any typed text can be stored.
    """
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("login", "")
    return str(typed or "").strip().lower()[:USERNAME_MAX]


class SignInAttempts(AxesDatabaseHandler):
    """axes' database handler with a limit of its own for each lockout parameter.

    axes compares one number with one limit (`AXES_FAILURE_LIMIT`, the per-account limit here).
    A client address has a higher limit, `SIGNIN_FAILURES_PER_CLIENT`: a delegation behind one
    agency NAT must not be locked out by a few colleagues' typing errors. So a parameter's count is
    given to axes as how far it stands from its own limit, in the account limit's terms.
    """

    def failures_by_parameter(self, request, credentials=None) -> dict[str, int]:
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        return {
            str(parameter): queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for parameter, queryset in zip(parameters, attempts, strict=True)
        }

    def get_failures(self, request, credentials=None) -> int:
        account_limit = axes_settings.AXES_FAILURE_LIMIT
        return max(
            count + account_limit - failure_limit(parameter)
            for parameter, count in self.failures_by_parameter(request, credentials).items()
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On a sign-in (AXES_RESET_ON_SUCCESS), forget the account's own failures only. Its
        address's count stays: else anyone holding one account could wipe the per-client count by
        signing in between guesses at other accounts."""
        username = get_client_username(request, credentials)
        return AccessAttempt.objects.filter(username=username).delete()[0]

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # The lockout's audit entry is for the failure that locks, not for each refusal after it:
        # with AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off, the backend has marked a refusal.
        if request is not None:
            request.signin_refused_while_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)


def failure_limit(parameter: str) -> int:
    if parameter == "ip_address":
        return settings.SIGNIN_FAILURES_PER_CLIENT
    return axes_settings.AXES_FAILURE_LIMIT


def lockout_response(request, original_response=None, credentials=None):
    """What a locked account or client gets (AXES_LOCKOUT_CALLABLE): 429 and the site's own page."""
    return render(request, "parties/signin_locked.html", {"message": LOCKED_MESSAGE}, status=429)


# Locks and unlocks.


def locked_accounts() -> list[dict]:
    """Accounts over their failure limit now: username, failures, the last one, when it lifts."""
    cool_off = get_cool_off()
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=axes_settings.AXES_FAILURE_LIMIT)
        .order_by("-last_failure")
    )
    return [{**row, "lifts_by": row["last_failure"] + cool_off} for row in rows]


@transaction.atomic
def account_unlock(*, actor: Actor | None, username: str, request=None) -> int:
    """The secretariat lifts an account's sign-in lock before it expires: every failure counted
    for that username, from any address, is forgotten. `actor=None` is the operator's command line.
    Audited; answers how many failures were forgotten. An address locked by its own limit stays
    locked (it is not the account's). Refused when nothing is counted for the username."""
    if actor is not None:
        require(actor, Capability.ADMINISTER)
    username = signin_username(None, {"username": username})
    counted = AccessAttempt.objects.filter(username=username)
    failures = counted.aggregate(n=Sum("failures_since_start"))["n"] or 0
    if not failures:
        raise ValidationError(
            f"No failed sign-ins are counted for “{username}”: nothing to unlock."
        )
    reset(username=username)
    by = "by the secretariat" if actor is not None else "from the command line"
    audit_record(
        AuditEntry.Kind.UNLOCK,
        actor=actor.user if actor is not None else None,
        subject=_account(username),
        username=username,
        request=request,
        detail=f"Unlocked {by}: {failures} failed sign-ins forgotten",
    )
    return failures


def _account(username: str):
    return get_user_model().objects.filter(username__iexact=username).first() if username else None


# Audit: Django and axes announce each sign-in, failure, lockout and sign-out by a signal.


def _on_signed_in(sender, request, user, **kwargs) -> None:
    audit_record(AuditEntry.Kind.SIGN_IN, actor=user, subject=user, request=request)


def _on_signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(AuditEntry.Kind.SIGN_OUT, actor=user, subject=user, request=request)


def _on_failed(sender, credentials, request=None, **kwargs) -> None:
    username = signin_username(request, credentials)
    refused = getattr(request, "signin_refused_while_locked", False)
    audit_record(
        AuditEntry.Kind.SIGN_IN_FAILED,
        subject=_account(username),
        username=username,
        request=request,
        detail="Refused: locked after too many failures"
        if refused
        else "Wrong username or password",
    )


def _on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    if getattr(request, "signin_refused_while_locked", False):
        return  # still locked: recorded as a failed sign-in, the lockout was recorded once
    handler = AxesProxyHandler.get_implementation()
    counts = handler.failures_by_parameter(request, getattr(request, "axes_credentials", None))
    reached = [
        f"{count} failures for this account"
        if parameter == "username"
        else f"{count} failures from {ip_address or 'an unknown address'}"
        for parameter, count in counts.items()
        if count >= failure_limit(parameter)
    ]
    detail = f"Locked for {_minutes(get_cool_off(request))} minutes after " + " and ".join(reached)
    logger.warning("Sign-in lockout of %r from %s: %s", username, ip_address, detail)
    audit_record(
        AuditEntry.Kind.LOCKOUT,
        subject=_account(username or ""),
        username=username or "",
        request=request,
        detail=detail,
    )


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


def connect_audit() -> None:
    uid = "parties.signin"
    user_logged_in.connect(_on_signed_in, dispatch_uid=f"{uid}.signed_in")
    user_logged_out.connect(_on_signed_out, dispatch_uid=f"{uid}.signed_out")
    user_login_failed.connect(_on_failed, dispatch_uid=f"{uid}.failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid=f"{uid}.locked_out")
