"""API token authentication: `Authorization: Token <key>`, checked against knox's stored digest.

A token that is unknown, expired or revoked gets 401. Knox deletes an expired token when it is
presented (and a user's other expired tokens when any of theirs is used).
"""

import datetime

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

# Last use is recorded at most this often per token: one write a minute, not one per request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            # knox would raise it, a 500; any such key is simply not one of ours.
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        return super().authenticate_credentials(token)

    def validate_user(self, auth_token):
        user, auth_token = super().validate_user(auth_token)
        now = timezone.now()
        if auth_token.last_used_at is None or now - auth_token.last_used_at > LAST_USED_PRECISION:
            type(auth_token).objects.filter(pk=auth_token.pk).update(last_used_at=now)
            auth_token.last_used_at = now
        return user, auth_token


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API token made on /accounts/tokens/, sent as `Token <key>`. "
            "An unknown, expired or revoked token gets 401.",
        }
