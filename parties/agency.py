"""Agency sign-in: django-allauth's OpenID Connect sign-in, by this site's rules.

With an agency identity provider configured (OIDC_* settings), a person it vouches for is signed
in, and on first sign-in given an account (no password) in the delegation and role its groups
claim maps to (`parties.claims`); later sign-ins follow the groups as they change, and leaving
every mapped group ends the membership. Claims that map to no delegation are refused, with no
account made. Site staff never sign in this way: the identity provider speaks for delegations,
not for the secretariat. Such accounts are not asked for the site's two-factor
(`parties.two_factor.two_factor_required`): the agency's provider does its own.
"""

from __future__ import annotations

import functools
import logging
import re

import requests
from allauth.account.utils import user_username
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import transaction
from django.shortcuts import render

from .access import Actor
from .audit import audit_record
from .claims import GroupMapError, NoPlacement, parse_group_map, placement_for
from .models import AuditEntry, Membership, Party
from .services import membership_remove, membership_set

logger = logging.getLogger(__name__)
UNREACHABLE = (
    "Your agency's sign-in service cannot be reached just now. Try again in a few minutes, or sign "
    "in with your password if you have one."
)

# The identity provider's word, carried out with the secretariat's authority by no person: the
# audit log shows these membership changes with no actor.
AGENCY_SIGN_IN = Actor(user=None, party=None, role=None, is_secretariat=True)


def agency_claims(sociallogin) -> dict:
    """The claims of the ID token, overlaid by the userinfo answer: some providers put the
    groups in only one of the two."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def delegation_for(claims: dict) -> tuple[Party, str]:
    """The party and role the claims map to (OIDC_GROUPS_CLAIM through OIDC_GROUP_MAP)."""
    roles = Membership.Role.values  # strongest first
    placement = placement_for(
        claims,
        claim=settings.OIDC_GROUPS_CLAIM,
        group_map=parse_group_map(settings.OIDC_GROUP_MAP, roles=roles),
        roles=roles,
    )
    party = Party.objects.filter(code=placement.party).first()
    if party is None:
        raise NoPlacement(
            f"Your agency account's groups name the delegation {placement.party}, "
            "which this site does not hold."
        )
    return party, placement.role


def unique_username(claims: dict) -> str:
    """preferred_username, else the e-mail address, else the subject; made valid and unused."""
    User = get_user_model()
    longest = User._meta.get_field("username").max_length
    wanted = claims.get("preferred_username") or claims.get("email") or f"agency-{claims['sub']}"
    base = re.sub(r"[^\w.@+-]+", "-", str(wanted)).strip("-")[:longest] or "agency-user"
    username, number = base, 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        suffix = f"-{number}"
        username = base[: longest - len(suffix)] + suffix
    return username


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Whom the provider vouches for may have an account; pre_social_login refused the rest.
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user_username(user, unique_username(agency_claims(sociallogin)))
        return user

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse linking to a signed-in account, staff, and claims that map to no delegation;
        keep an existing account's delegation and role in step with its groups."""
        claims = agency_claims(sociallogin)
        user = sociallogin.user if sociallogin.is_existing else None
        # E-mail addresses neither identify nor link accounts here (sign-in is by username):
        # an address another account holds must not send the person to a sign-up form.
        sociallogin.email_addresses = []
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            self._refuse(
                request,
                claims,
                user,
                "An agency identity is not linked to an account made otherwise: sign out, then "
                "sign in with your agency account.",
            )
        if user is not None and (user.is_staff or user.is_superuser):
            self._refuse(
                request,
                claims,
                user,
                "This is a secretariat account: it signs in with its password and the site's "
                "two-factor, not through an agency's identity provider.",
            )
        try:
            party, role = delegation_for(claims)
        except NoPlacement as refusal:
            if user is not None and hasattr(user, "membership"):
                # The agency took the person out of every mapped group: out of the delegation too.
                membership_remove(actor=AGENCY_SIGN_IN, membership=user.membership)
            self._refuse(request, claims, user, str(refusal))
        if user is not None:
            membership_set(actor=AGENCY_SIGN_IN, user=user, party=party, role=role)

    @transaction.atomic
    def save_user(self, request, sociallogin, form=None):
        """A first sign-in: the account and its place in the delegation, together or not at all."""
        party, role = delegation_for(agency_claims(sociallogin))
        user = super().save_user(request, sociallogin, form)
        membership_set(actor=AGENCY_SIGN_IN, user=user, party=party, role=role)
        return user

    @staticmethod
    def _refuse(request, claims: dict, user, reason: str):
        audit_record(
            AuditEntry.Kind.SIGN_IN_FAILED,
            subject=user,
            username=str(claims.get("preferred_username") or claims.get("email") or ""),
            request=request,
            detail=f"Agency sign-in refused: {reason}",
        )
        raise ImmediateHttpResponse(
            render(request, "socialaccount/agency_refused.html", {"reason": reason}, status=403)
        )


def provider_unreachable_answered(view):
    """allauth's agency sign-in views read the provider's discovery document first, outside their
    own error handling: while the provider cannot be reached, a 503 page saying so instead of a
    server error."""

    @functools.wraps(view)
    def answered(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except requests.RequestException:
            logger.warning("Agency identity provider unreachable", exc_info=True)
            return render(request, "503.html", {"message": UNREACHABLE}, status=503)

    return answered


@checks.register(checks.Tags.security)
def check_agency_sign_in(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A group map that cannot be read, or an issuer without a client, stops the start."""
    if not settings.OIDC_ISSUER:
        return []
    problems = []
    try:
        group_map = parse_group_map(settings.OIDC_GROUP_MAP, roles=Membership.Role.values)
    except GroupMapError as error:
        problems.append(
            checks.Error(
                f"OIDC_GROUP_MAP: {error}",
                hint="Write entries as group=PARTY:role, separated by ';' or new lines.",
                id="parties.E010",
            )
        )
        group_map = None
    if group_map == {}:
        problems.append(
            checks.Warning(
                "OIDC_ISSUER is set but OIDC_GROUP_MAP is empty: every agency sign-in is refused.",
                id="parties.W011",
            )
        )
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    if any(not app.get("client_id") or not app.get("secret") for app in apps):
        problems.append(
            checks.Error(
                "OIDC_ISSUER is set but OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is not.",
                id="parties.E012",
            )
        )
    return problems
