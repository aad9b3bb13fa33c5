"""PostgreSQL for the benchmarks that need it, and Django on it in a child process.

The benchmarks that measure the server (`api`, `concurrency`, `history`, `exports`) use their
own database, `bench_<name>` beside the one DATABASE_URL names (default
`postgres://postgres:postgres@127.0.0.1:5432/negotiations`), created afresh and migrated once
per run: never the development database, nor the `test_<name>` database a concurrent pytest run
may be using. It is left in place afterwards so that its data can be inspected.

Django is set up once per process, and the table's own process may already have set it up on
another database (`compare` uses the test database of `_django`). So whatever needs the bench
database runs in a spawned child process: `run_in_django(url, function, ...)`. The function
must be importable by name (module level) and answer something picklable, such as `Row`s.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/negotiations"
# Only a benchmark server ever uses this key; it signs nothing that outlives the run.
SECRET_KEY = "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

T = TypeVar("T")


class Unavailable(Exception):
    """PostgreSQL (or a tool a benchmark needs) is not there; the rows say so instead."""


def server_url() -> str:
    """DATABASE_URL when it names a PostgreSQL database, else the default one."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_DATABASE_URL


def with_database(url: str, name: str) -> str:
    """`url` with its database name replaced by `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def database_url_for(settings_dict: dict) -> str:
    """A DATABASE_URL for the database a Django connection uses (e.g. pytest's `test_<name>`)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'])}"


def django_env(database_url: str, settings_module: str = "config.settings") -> dict[str, str]:
    """The environment for a Django process (server or command) on `database_url`.

    Production-like: DEBUG off, no Redis (Celery eager, local-memory cache), plain HTTP on
    127.0.0.1 so no redirect to HTTPS.
    """
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    return env


@cache
def bench_database() -> str:
    """Create the bench database afresh, migrate it with the project settings; answer its URL.

    Raises Unavailable when PostgreSQL does not answer.
    """
    import psycopg
    from psycopg import sql

    server = server_url()
    parts = urlsplit(server)
    name = "bench_" + unquote(parts.path.lstrip("/") or "negotiations")
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as connection:
            # FORCE: a server left over from an interrupted run must not keep the old one alive.
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        first_line = (str(error).strip() or repr(error)).splitlines()[0]
        raise Unavailable(
            f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {first_line}"
        ) from error
    url = with_database(server, name)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=django_env(url),
        check=True,
        capture_output=True,
    )
    return url


def setup_django(database_url: str, settings_module: str = "config.settings_test") -> None:
    """In a fresh process: Django on `database_url`, as the test runner sets it up.

    The test settings (fast password hasher, e-mail kept in memory) with DEBUG off; the
    test environment lets the test client talk to the app.
    """
    os.environ.update(DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=database_url, DEBUG="0")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    # Refused writes (409) are expected here; Django would log a warning for each.
    logging.getLogger("django.request").setLevel(logging.ERROR)


@contextmanager
def django_process(database_url: str) -> Iterator[ProcessPoolExecutor]:
    """One spawned child process with Django on `database_url`; submit functions to it."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=setup_django, initargs=(database_url,)
    ) as executor:
        yield executor


def run_in_django(database_url: str, function: Callable[..., T], *args, **kwargs) -> T:
    """`function(*args, **kwargs)` in a child process with Django on `database_url`."""
    with django_process(database_url) as executor:
        return executor.submit(function, *args, **kwargs).result()
