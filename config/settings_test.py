"""Test settings: the real settings with a fast hasher, in-memory e-mail and a temporary media root.

DATABASE_URL and REDIS_URL are honoured, so the suite runs on PostgreSQL and Redis when they are set.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijkl")

from .settings import *  # noqa: F403

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
