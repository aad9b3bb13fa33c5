"""GET /healthz: database, Redis and Celery worker status, for load balancers and operators."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # any driver error means the same here
        return f"unavailable: {type(error).__name__}"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception as error:
        return f"unavailable: {type(error).__name__}"


def _workers(redis_status: str) -> str:
    if not settings.REDIS_URL:
        return "in-process"
    if redis_status != "ok":
        return "unknown (Redis unavailable)"
    try:
        replies = celery_app.control.ping(timeout=1.0) or []
    except Exception as error:
        # Right after Redis restarts, the broker connection kept from an earlier ping is dead
        # although Redis answers again: the first ping on it raises. Reported, not raised; the
        # broken connection is dropped, and the next ping opens a new one.
        return f"unknown: {type(error).__name__}"
    return f"ok ({len(replies)} responding)" if replies else "none responding"


@require_GET
@never_cache
def healthz(request):
    """200 when the database (and Redis, if configured) answer; 503 otherwise. No secrets.

    Every probe fails soft, into its status string: this page answers while the services it
    reports on do not."""
    database = _database()
    redis_status = _redis()
    status = {"database": database, "redis": redis_status, "workers": _workers(redis_status)}
    healthy = database == "ok" and redis_status in ("ok", "not configured (tasks run in-process)")
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503
    )
