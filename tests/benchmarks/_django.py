"""Django for benchmarks that need the database: a throw-away test database, migrated once.

Uses DATABASE_URL when set (a `test_` database beside it, as the test runner makes), else SQLite.
"""

from __future__ import annotations

import os
from functools import cache


@cache
def django_ready() -> None:
    """Configure Django, create a fresh test database and migrate it (once per process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
