"""Sign-in with throttling: after repeated failures an account (or an address) must wait.

Each failure is counted twice: in the shared cache (Redis in production, so every web process
shares the count) and in this process's memory. A sign-in is refused when either count has
reached the limit. So the throttle holds while Redis is unreachable (the cache then reads as
empty and skips writes), and stopping, flushing or flapping Redis never resets it: each process
still locks after the failures it has seen itself. With Redis down an attacker therefore gets at
most the limit times the number of web processes.

The price: a success clears the account's count in Redis and in the process that served it, but
other processes keep the failures they saw until those expire (15 minutes), so a user who failed
often just before may be locked a little sooner there. And the per-process memory is bounded: an
attacker spraying thousands of new addresses could push an old count out of it (never out of Redis).
"""

import hashlib
import logging

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError

from config.resilience import REDIS_DOWN

logger = logging.getLogger(__name__)

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


# This process's own counts. Bounded: when full, the least recently used third is dropped, and a
# key under attack is read on every attempt, so it stays among the most recent.
process_failures = LocMemCache("signin-failures", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def signin_locked(username: str, address: str) -> bool:
    return any(
        (process_failures.get(key) or 0) >= limit or (cache.get(key) or 0) >= limit
        for key, limit in _keys(username, address)
    )


def signin_failed(username: str, address: str) -> None:
    for key, _ in _keys(username, address):
        _count_failure(process_failures, key)
        try:
            _count_failure(cache, key)
        except REDIS_DOWN:
            logger.warning("cache unavailable: sign-in failure counted in this process only")


def signin_succeeded(username: str) -> None:
    key = _keys(username, "")[0][0]
    process_failures.delete(key)
    cache.delete(key)


def _count_failure(counts: BaseCache, key: str) -> None:
    if not counts.add(key, 1, LOCKOUT_SECONDS):
        try:
            counts.incr(key)
        except ValueError:  # expired between add and incr
            counts.add(key, 1, LOCKOUT_SECONDS)


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
