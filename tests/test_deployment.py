"""The production settings and the pieces docker-compose.yml runs, tried on this machine."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.conftest import REQUIRE_SERVICES, need_service

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x7Qp9vLm2Rt8Wz4Nb6Yc1Hs5Jd0Fg3Ka" * 2,
    "ALLOWED_HOSTS": "negotiations.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://negotiations.example.org",
}


def production_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return {**env, **PRODUCTION_ENV, **extra}


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    env = production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_docker_compose_file_validates():
    if shutil.which("docker-compose") is None:
        need_service("docker-compose is not installed")
    result = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_app_as_compose_runs_it(tmp_path):
    port = _free_port()
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        BEHIND_TLS_PROXY="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path),
    )
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/agreements/", headers={"X-Forwarded-Proto": "https"}
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(request, timeout=5)
                pytest.fail("an anonymous API request was answered without 401")
            except urllib.error.HTTPError as error:
                # Anonymous: 401 from the API, answered by the app with production headers.
                status, headers = error.code, error.headers
                error.close()
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        assert status == 401
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown; SIGTERM waits for a graceful drain
        server.communicate(timeout=30)


def test_ci_runs_on_the_real_services(db):
    """Under REQUIRE_SERVICES (CI) the suite must really be on PostgreSQL and Redis."""
    if not REQUIRE_SERVICES:
        pytest.skip("REQUIRE_SERVICES is not set: the embedded SQLite setup is in use")
    assert connection.vendor == "postgresql"
    assert settings.REDIS_URL, "REDIS_URL must be set"
    cache.set("ci-probe", "ok", 10)
    assert cache.get("ci-probe") == "ok"
