"""A real Celery worker process on the real Redis and PostgreSQL, for end-to-end tests."""

import os
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
def celery_worker_process(real_services, tmp_path):
    """Start `celery worker` on a queue of its own; tasks sent during the test go to it.

    Yields the worker's e-mail folder (it sends with the file backend). The worker reads the
    test database and the test media folder.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
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
