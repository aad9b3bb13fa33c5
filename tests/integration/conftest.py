"""A real Celery worker process on the real Redis and PostgreSQL, for end-to-end tests."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_services(transactional_db):
    """PostgreSQL (shared with the worker process) and Redis, or skip/fail as CI requires."""
    if connection.vendor != "postgresql":
        need_service("a worker process needs PostgreSQL shared with the tests (set DATABASE_URL)")
    if not settings.REDIS_URL:
        need_service("a worker process needs Redis (set REDIS_URL)")


@pytest.fixture
def celery_worker_process(real_services, tmp_path, request):
    """Start `celery worker` on a queue of its own; tasks sent during the test go to it.

    Yields the worker's e-mail folder (it sends with the file backend). The worker reads the
    test database and the test media folder.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = worker_environment(
        DEBUG="0",
        SECRET_KEY="integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        REDIS_URL=settings.REDIS_URL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    log = (tmp_path / "worker.log").open("w")
    # A test may ask for a prefork pool (@pytest.mark.worker_pool("--pool", "prefork", ...)).
    pool = request.node.get_closest_marker("worker_pool")
    pool_args = list(pool.args) if pool else ["--pool", "solo"]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *pool_args,
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        _wait_until_ready(worker, tmp_path / "worker.log")
        worker.mail_dir = mail_dir
        worker.log_path = tmp_path / "worker.log"
        yield worker
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def _wait_until_ready(worker: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"celery worker exited:\n{log_path.read_text()}")
        if "ready." in log_path.read_text():
            return
        time.sleep(0.2)
    pytest.fail(f"celery worker not ready after {timeout}s:\n{log_path.read_text()}")


def wait_for(condition, timeout: float = 30, interval: float = 0.2, message: str = "condition"):
    """Poll until `condition()` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {message}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """(server, url) of a Redis server of this test's own: stopping or filling it disturbs
    nothing else."""
    if shutil.which("redis-server") is None:
        need_service("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_for(
        lambda: (
            subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode
            == 0
        ),
        message="redis to start",
    )
    yield server, url
    if server.poll() is None:
        server.kill()
        server.wait(timeout=10)


def worker_environment(**overrides) -> dict[str, str]:
    """The environment of a process that shares this test's database and media folder."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **overrides,
    }


@pytest.fixture
def app_server(real_services, tmp_path):
    """start(**env) → the base URL of gunicorn serving the project on the test database."""
    servers = []

    def start(**env) -> str:
        port = free_port()
        log = (tmp_path / f"gunicorn-{port}.log").open("w")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=worker_environment(DEBUG="1", **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((server, log))
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(base), timeout=30, message="gunicorn to answer")
        return base

    yield start
    for server, log in servers:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _answers(base: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=2)
    except urllib.error.HTTPError:
        return True  # it answered, even if degraded
    except OSError:
        return False
    return True
