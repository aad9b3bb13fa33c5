"""Test settings: the real settings with a fast hasher, in-memory e-mail and a temporary media root.

DATABASE_URL and REDIS_URL are honoured, so the suite runs on PostgreSQL and Redis when they are set.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijkl")


def _redis_database_per_test_worker() -> None:
    """Parallel test workers (pytest-xdist's gw0, gw1, ...) each get their own Redis database,
    as they get their own test database: one worker's cache flush or queue is not another's.
    Set in the environment, so that the Celery workers and servers a test starts inherit it."""
    url, worker = os.environ.get("REDIS_URL", ""), os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (url and worker.startswith("gw")):
        return
    base, _, database = url.rpartition("/")
    number = (int(database) if database.isdigit() else 0) + int(worker[2:])
    if number > 15:
        raise RuntimeError(f"Redis has databases 0-15; test worker {worker} would need {number}.")
    os.environ["REDIS_URL"] = f"{base}/{number}"


_redis_database_per_test_worker()

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="negotiations-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# Unit tests run tasks in-process; tests/integration starts a real worker on REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
# Serve static files from the app folders, as runserver does, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests sign in as every role; the two-factor tests turn the requirement on for themselves.
TWO_FACTOR_REQUIRED_FOR = env_list("TWO_FACTOR_REQUIRED_FOR", "")  # noqa: F405
