"""Keep serving when a backing service falters.

- The cache is an optimisation: if Redis is unreachable, a read is a miss and a write is skipped.
- A database that drops (restart, failover) gives a clean 503 asking to retry, not a 500; the
  next request reconnects (CONN_HEALTH_CHECKS).
"""

import logging

from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, degrading to 'no cache' while Redis is unreachable."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN:
            logger.warning("cache unavailable: get %s treated as a miss", key)
            return default

    def add(self, key, value, timeout=None, version=None):
        # As a cache that stores nothing answers: allauth's rate limits take it as their lock.
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN:
            logger.warning("cache unavailable: add %s skipped", key)
            return True

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_DOWN:
            logger.warning("cache unavailable: set %s skipped", key)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_DOWN:
            logger.warning("cache unavailable: delete %s skipped", key)
            return False

    def clear(self):
        try:
            super().clear()
        except REDIS_DOWN:
            logger.warning("cache unavailable: clear skipped")


class DatabaseUnavailableMiddleware:
    """Answer 503 (JSON for the API, a page otherwise) when the database connection fails."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        message = (
            "The database is briefly unavailable. Nothing was saved; please try again in a moment."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = SimpleTemplateResponse("503.html", {"message": message}, status=503)
            response.render()
        response["Retry-After"] = "5"
        return response
