"""API tokens: a signed-in user makes named, expiring tokens for scripts, lists and revokes them.

Only a digest of each key is stored (django-rest-knox); the key is returned once, by
`api_token_create`, and can never be read again. Tokens come from the page after a full
sign-in, never from a password sent to the API, so they cannot bypass two-factor sign-in.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from .access import Actor
from .audit import audit_record
from .models import ApiToken, AuditEntry

LIFETIME_CHOICES_DAYS = (7, 30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90
# Knox checks every one of a user's tokens on each request it authenticates: keep them few.
MAX_TOKENS_PER_USER = 20


def api_token_list_for(actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first; nobody lists another user's."""
    return ApiToken.objects.filter(user_id=actor.user.pk).order_by("-created")


@transaction.atomic
def api_token_create(
    *, actor: Actor, name: str, lifetime_days: int, request=None
) -> tuple[ApiToken, str]:
    """A signed-in user makes a named token for themselves, valid `lifetime_days` days (one of
    LIFETIME_CHOICES_DAYS). Returns the token and its key: the only time the key exists in clear."""
    user = actor.user
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Sign in to make an API token.")
    if lifetime_days not in LIFETIME_CHOICES_DAYS:
        raise ValidationError(
            {"lifetime_days": f"Choose one of {', '.join(map(str, LIFETIME_CHOICES_DAYS))} days."}
        )
    # One creation at a time per user, so that the count below holds.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            f"You have {MAX_TOKENS_PER_USER} tokens, the most one may hold: revoke one first."
        )
    digest, key = get_digest_token()
    # The page names a token by its key's first characters: make sure they name only this one.
    while ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).exists():
        digest, key = get_digest_token()
    token = ApiToken(
        digest=digest,
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        name=name.strip(),
        expiry=timezone.now() + datetime.timedelta(days=lifetime_days),
    )
    token.full_clean()
    token.save(force_insert=True)
    audit_record(
        AuditEntry.Kind.TOKEN_CREATED,
        actor=user,
        subject=user,
        request=request,
        detail=f"Token “{token.name}”, valid {lifetime_days} days",
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken, request=None) -> None:
    """A user revokes one of their own tokens: its row goes, so the key stops working at once."""
    if token.user_id != actor.user.pk:
        raise PermissionDenied("You can revoke only your own API tokens.")
    name, owner = token.name, token.user
    token.delete()
    audit_record(
        AuditEntry.Kind.TOKEN_REVOKED,
        actor=actor.user,
        subject=owner,
        request=request,
        detail=f"Token “{name}”",
    )
