"""/healthz answers (200 or 503, JSON) before, while and right after its Redis restarts."""

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import need_service
from tests.integration.conftest import free_port, wait_for

# app_server runs two gunicorn processes; the requests are sent at once, so that while one
# process is busy answering (its workers' ping waits a second), the other answers too.
REQUESTS = 8


def start_redis(port: int, folder) -> subprocess.Popen:
    """A Redis server of this test's own on `port` (never the machine's): stopping it disturbs
    nothing else."""
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True
            ).stdout.strip()
            == b"PONG"
        ),
        message="redis to start",
    )
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def health(base: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=15) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")[:300]


def answers(base: str) -> list[tuple[int, dict | str]]:
    with ThreadPoolExecutor(REQUESTS) as pool:
        return list(pool.map(lambda _: health(base), range(REQUESTS)))


@pytest.fixture
def redis_port(tmp_path):
    if shutil.which("redis-server") is None:
        need_service("redis-server is not installed")
    port = free_port()
    server = start_redis(port, tmp_path)
    servers = [server]
    yield port, servers
    for server in servers:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)


def test_healthz_never_raises_across_a_redis_restart(world, app_server, redis_port, tmp_path):
    port, servers = redis_port
    base = app_server(REDIS_URL=f"redis://127.0.0.1:{port}/0")

    before = answers(base)  # each process pings the workers, keeping a broker connection
    stop(servers[0])
    while_down = answers(base)
    servers.append(start_redis(port, tmp_path))
    after = answers(base)

    for status, body in before + while_down + after:
        assert status in (200, 503) and isinstance(body, dict), (status, body)
        assert set(body) == {"status", "database", "redis", "workers"}
    assert all(body["redis"] == "ok" for _, body in before)
    assert all(
        status == 503 and body["redis"].startswith("unavailable") for status, body in while_down
    )
    assert all(body["workers"] == "unknown (Redis unavailable)" for _, body in while_down)
    # Once Redis is back, every answer says so: the stale broker connection costs no error.
    assert all(status == 200 and body["redis"] == "ok" for status, body in after), after
