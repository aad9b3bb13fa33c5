"""Sign-in with throttling: after repeated failures an account (or an address) must wait.

Counts live in the cache (Redis in production, so every web process shares them). The same
rule guards the sign-in page and the API token endpoint.
"""

import hashlib
from collections.abc import Mapping

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
LOCKOUT_SECONDS = 15 * 60
LOCKED_MESSAGE = (
    "Too many failed sign-ins. Wait 15 minutes before trying again, or ask the secretariat."
)


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    # Hashed: a username may hold any characters and any length; cache keys may not.
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return [
        (f"signin-failures:account:{account}", FAILURES_PER_ACCOUNT),
        (f"signin-failures:address:{address}", FAILURES_PER_ADDRESS),
    ]


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def signin_locked(username: str, address: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, address))


def signin_failed(username: str, address: str) -> None:
    for key, _ in _keys(username, address):
        if not cache.add(key, 1, LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, LOCKOUT_SECONDS)


def signin_succeeded(username: str) -> None:
    cache.delete(_keys(username, "")[0][0])


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if signin_locked(username, address):
            raise ValidationError(LOCKED_MESSAGE, code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            signin_failed(username, address)
            raise
        signin_succeeded(username)
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="locked"):
            response.status_code = 429
        return response


class ThrottledObtainAuthToken(ObtainAuthToken):
    """POST username and password for an API token; throttled like the sign-in page."""

    def post(self, request, *args, **kwargs):
        data = request.data if isinstance(request.data, Mapping) else {}
        username = str(data.get("username", ""))

        address = client_address(request)
        if signin_locked(username, address):
            return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            signin_failed(username, address)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        signin_succeeded(username)
        return super().post(request, *args, **kwargs)
