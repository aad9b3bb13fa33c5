"""The provision list API under load: gunicorn + PostgreSQL, beside a bare Django JSON view.

The bench database gets the demo agreement (`load_demo`) and 500 more provisions of about
1.5 KB through `provision_create`; a US negotiator signs in with a token. gunicorn serves the
project with production settings (DEBUG off, 2 × cores + 1 sync workers) on a free port of
127.0.0.1, plus the bare reference view of `_bench_urls` (same JSON shape and size, no query).
32 clients then request each URL as fast as they can for 10 s, after a warm-up: `wrk` when it
is there (installed from Debian's packages if need be), else a small Python client of threads.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.benchmarks import Row, unavailable
from tests.benchmarks._postgres import ROOT, Unavailable, bench_database, django_env, run_in_django
from tests.benchmarks._tools import debian_tool

CLIENTS = 32
DURATION_S = 10
WARMUP_S = 3
PROVISIONS = 500
LIST_PATH = "/api/v1/provisions/?page_size=50"
BARE_PATH = "/bench/bare/"
WORKERS = 2 * (os.cpu_count() or 1) + 1
STARTUP_TIMEOUT_S = 60


@dataclass(frozen=True)
class Load:
    """What the clients saw: completed requests per second and latency percentiles."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers and socket errors
    tool: str


def bench_provision_list_api() -> list[Row]:
    name = f"provision list API, page of 50, {CLIENTS} clients"
    try:
        url = bench_database()
    except Unavailable as error:
        return [unavailable(name, str(error))]
    token = run_in_django(url, _seed)
    wrk = debian_tool("wrk")
    auth = {"Authorization": f"Token {token}"}
    with _gunicorn(url) as base:
        ours_size = _check(base + LIST_PATH, auth)
        bare_size = _check(base + BARE_PATH, {})
        for path, headers in ((LIST_PATH, auth), (BARE_PATH, {})):
            _load(wrk, base + path, headers, WARMUP_S)
        ours = _load(wrk, base + LIST_PATH, auth, DURATION_S)
        bare = _load(wrk, base + BARE_PATH, {}, DURATION_S)
    setting = (
        f"{ours.tool}, {WORKERS} gunicorn workers, {ours_size // 1000} KB vs {bare_size // 1000} KB"
    )
    failures = ours.failures + bare.failures
    if failures:
        setting += f", {ours.failures} + {bare.failures} failed requests"
    ratio = ours.per_second / bare.per_second
    return [
        Row(
            name=f"{name}: throughput",
            figure=ours.per_second,
            unit="req/s",
            reference_figure=bare.per_second,
            reference_name="bare Django JSON",
            ratio=ratio,
            target="≥ 0.50×",
            met=ratio >= 0.5 and not failures,
            note=setting,
        ),
        Row(
            name=f"{name}: p50 latency",
            figure=ours.p50_ms,
            reference_figure=bare.p50_ms,
            reference_name="bare",
            ratio=ours.p50_ms / bare.p50_ms,
        ),
        Row(
            name=f"{name}: p99 latency",
            figure=ours.p99_ms,
            reference_figure=bare.p99_ms,
            reference_name="bare",
            ratio=ours.p99_ms / bare.p99_ms,
            target="< 100 ms",
            met=ours.p99_ms < 100 and not failures,
        ),
    ]


def _seed() -> str:
    """Demo data, 500 more provisions and a token for us-negotiator (in a Django child)."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from agreement import demo_content
    from agreement.models import Agreement, Participation
    from parties.access import actor_for
    from parties.models import Party
    from provisions import services
    from tests.benchmarks.text import _PARTY_CODES, bracket, make_text
    from tests.factories import make_token

    call_command("load_demo", force=True, stdout=io.StringIO())
    agreement = Agreement.objects.get(title=demo_content.AGREEMENT_TITLE)
    # The benchmark texts attribute brackets to these parties: they must take part.
    for code in _PARTY_CODES:
        party, _ = Party.objects.get_or_create(
            code=code, defaults={"name": code, "lead_agency": code}
        )
        Participation.objects.get_or_create(
            agreement=agreement, party=party, defaults={"joined_on": datetime.date(2026, 1, 1)}
        )
    user = get_user_model().objects.get(username="us-negotiator")
    actor = actor_for(user)
    chapters = list(agreement.chapters.order_by("number"))
    paragraphs = make_text(size=PROVISIONS * 1_500, seed=31).split("\n\n")
    share = len(paragraphs) // PROVISIONS
    for index in range(PROVISIONS):
        chapter = chapters[index % len(chapters)]
        body = "\n\n".join(paragraphs[index * share : (index + 1) * share])
        services.provision_create(
            actor=actor,
            agreement=agreement,
            chapter=chapter,
            number=f"{chapter.number}.{100 + index}",
            heading=f"Benchmark article {index + 1}",
            category="trade_measures",
            body=bracket(body, seed=index),
        )
    return make_token(user, name="benchmark")


@contextmanager
def _gunicorn(database_url: str) -> Iterator[str]:
    """gunicorn serving the project (and the bare view) on a free 127.0.0.1 port; its base URL.

    Stopped on the way out, whatever happened: TERM, then KILL to its process group.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = django_env(database_url, "tests.benchmarks._bench_settings")
    env.update(BENCH_REFERENCE_VIEW="1", ALLOWED_HOSTS="127.0.0.1")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--log-level=warning",
        "--graceful-timeout=5",
    ]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(server, base + BARE_PATH, log)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def _wait_until_serving(server: subprocess.Popen, url: str, log) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"gunicorn not serving {url} after {STARTUP_TIMEOUT_S} s:\n{log.read()}")


def _check(url: str, headers: dict[str, str]) -> int:
    """Answer the size of one response, after checking it is a page of 50."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        content = response.read()
    results = json.loads(content)["results"]
    if len(results) != 50:
        raise AssertionError(f"{url} answered {len(results)} results, expected 50")
    return len(content)


def _load(wrk: str | None, url: str, headers: dict[str, str], seconds: int) -> Load:
    """Load `url` for `seconds`, then wait for the server to finish what the clients left.

    When the clients stop, up to 32 requests are still queued in the server; the next
    measurement must not start behind them. One more request, made alone, waits its turn
    behind all of them (the listen queue is first in, first out).
    """
    load = _wrk(wrk, url, headers, seconds) if wrk else _python_load(url, headers, seconds)
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60):
        pass
    time.sleep(1)  # and the other workers finish the last few
    return load


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk(wrk: str, url: str, headers: dict[str, str], seconds: int) -> Load:
    command = [wrk, "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout=10s", "--latency", url]
    for key, value in headers.items():
        command[1:1] = ["-H", f"{key}: {value}"]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    percentiles = {
        int(percent): float(value) * _UNITS_MS[unit]
        for percent, value, unit in re.findall(
            r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M
        )
    }
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    failures = sum(
        int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    ) + int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1])
    return Load(
        requests=requests,
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        failures=failures,
        tool="wrk",
    )


def _python_load(url: str, headers: dict[str, str], seconds: int) -> Load:
    """32 threads, one request at a time each, a new connection per request (as wrk does
    against gunicorn's sync workers, which close every connection)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = 200 <= response.status < 300
            except OSError:
                ok = False
            finally:
                connection.close()
            with lock:
                latencies.append(time.perf_counter() - start)
                failures += not ok

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Load(
        requests=len(latencies),
        per_second=len(latencies) / elapsed,
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        failures=failures,
        tool="Python client",
    )
