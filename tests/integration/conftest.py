"""End-to-end pieces: a real Celery worker and gunicorn on the real Redis and PostgreSQL, and
throwaway Redis and PostgreSQL servers of a test's own for the fault tests to stop and restart."""

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
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


def postgresql_bindir() -> Path | None:
    """The folder of the newest installed PostgreSQL's server programs (initdb, pg_ctl), if any."""
    candidates = []
    if shutil.which("pg_config"):
        answer = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(Path(answer.stdout.strip()))
    # Debian's pg_config may name only the client programs; the server's are per version.
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.name)],
        reverse=True,
    )
    return next((path for path in candidates if (path / "initdb").exists()), None)


@dataclass
class Cluster:
    """A PostgreSQL cluster of a test's own, with one migrated database at `url`."""

    bindir: Path
    folder: Path  # the data, the log and the socket
    port: int
    as_owner: list[str]  # the prefix that runs a command as the data's owner

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/negotiations"

    def run(self, program: str, *args: str, timeout: float = 120) -> None:
        """Run one of PostgreSQL's programs as the data's owner; fail the test with its output
        and the server's log if it fails."""
        answer = subprocess.run(
            [*self.as_owner, str(self.bindir / program), *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if answer.returncode:
            log = self.folder / "server.log"
            pytest.fail(
                f"{program} {' '.join(args)} failed:\n{answer.stdout}{answer.stderr}\n"
                + (log.read_text(errors="replace") if log.exists() else "")
            )

    def pg_ctl(self, *args: str) -> None:
        self.run(
            "pg_ctl",
            *("--pgdata", str(self.folder / "data"), "--log", str(self.folder / "server.log")),
            *("--wait", "--timeout", "60", *args),
        )

    def restart(self) -> None:
        """A fast restart: open connections are cut, new ones refused until it is back."""
        self.pg_ctl("restart", "--mode", "fast")

    def manage(self, *args: str) -> str:
        """`manage.py <args>` on this cluster's database; its standard output."""
        answer = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "1", "DATABASE_URL": self.url, "REDIS_URL": ""},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if answer.returncode:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{answer.stderr}")
        return answer.stdout


@pytest.fixture
def own_postgresql():
    """A PostgreSQL cluster of this test's own (initdb in a temporary folder, a free port, trust
    authentication) with a migrated database: restarting or stopping it disturbs nothing else.
    Stopped and removed afterwards, whatever happens."""
    bindir = postgresql_bindir()
    if bindir is None:
        need_service("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    as_owner: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: the postgres user runs it
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            need_service("PostgreSQL run by root needs a postgres user")
        if shutil.which("runuser") is None:
            need_service("PostgreSQL run by root needs runuser")
        as_owner = ["runuser", "-u", "postgres", "--"]
    # Not under tmp_path: its parents are root's alone, the postgres user can't enter them.
    folder = Path(tempfile.mkdtemp(prefix="own-postgresql-"))
    if as_owner:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    cluster = Cluster(bindir=bindir, folder=folder, port=free_port(), as_owner=as_owner)
    try:
        cluster.run(
            "initdb",
            *("--pgdata", str(folder / "data"), "--username", "postgres", "--auth", "trust"),
            *("--encoding", "UTF8", "--locale", "C", "--no-sync"),
        )
        # Durability is not under test: without fsync, migrating is quicker.
        cluster.pg_ctl(
            "start",
            "--options",
            f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
        )
        cluster.run(
            "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "negotiations"
        )
        cluster.manage("migrate", "--noinput")
        yield cluster
    finally:
        pid_file = folder / "data" / "postmaster.pid"
        if pid_file.exists():
            subprocess.run(
                [
                    *as_owner,
                    str(bindir / "pg_ctl"),
                    *("--pgdata", str(folder / "data"), "--mode", "immediate", "--wait", "stop"),
                ],
                capture_output=True,
                timeout=60,
            )
        if pid_file.exists():  # it did not stop: end the server by its own id
            with contextlib.suppress(ValueError, OSError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


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
def app_server(real_services, gunicorn_server):
    """start(**env) → the base URL of gunicorn serving the project on the test database."""
    return gunicorn_server


@pytest.fixture
def gunicorn_server(tmp_path):
    """start(**env) → the base URL of gunicorn serving the project in `worker_environment(**env)`:
    on the test database unless `DATABASE_URL` names another."""
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
