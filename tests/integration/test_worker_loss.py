"""Worker loss, for real: two Celery workers and Celery beat on a Redis of the test's own; a worker
killed mid-export (its whole process group, or only its pool process) and a worker merely slow.

Timings are shortened through the environment (heartbeat 0.5 s, silent for 4 s = lost, sweep every
second); each build holds a few seconds in one step that reports nothing, as a long PDF layout does.
"""

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from docx import Document

from agreement.models import ExportJob
from config.celery import app as celery_app
from tests.conftest import need_service
from tests.integration.conftest import ROOT, wait_for, worker_environment

pytestmark = pytest.mark.integration

STALE_SECONDS = 4.0
SWEEP_SECONDS = 1.0
TIMINGS = {
    "EXPORT_HEARTBEAT_SECONDS": "0.5",
    "EXPORT_STALE_SECONDS": str(STALE_SECONDS),
    "EXPORT_SWEEP_SECONDS": str(SWEEP_SECONDS),
    "EXPORT_MAX_ATTEMPTS": "2",
}


class Stack:
    """Processes started in sessions of their own, so that a kill reaches a whole group and the
    clean-up reaches everything each one started."""

    def __init__(self, folder: Path, redis_url: str, pause: float) -> None:
        self.folder = folder
        self.redis_url = redis_url
        self.pause = pause
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *celery_args: str) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        env = worker_environment(
            DEBUG="0",
            SECRET_KEY="integration-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            REDIS_URL=self.redis_url,
            EXPORT_BUILD_PAUSE_SECONDS=str(self.pause),
            **TIMINGS,
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *celery_args, "--loglevel", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes[name] = process
        return process

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def wait_ready(self, name: str) -> None:
        def ready() -> bool:
            if self.processes[name].poll() is not None:
                pytest.fail(f"{name} exited:\n{self.log(name)}")
            return "ready." in self.log(name)

        wait_for(ready, timeout=60, message=f"{name} to be ready")

    def kill_group(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.killpg(self.processes[name].pid, signal.SIGKILL)

    def stop_all(self) -> None:
        """Throwaway processes on a throwaway broker: nothing to shut down gracefully."""
        for name, process in self.processes.items():
            self.kill_group(name)
            process.wait(timeout=15)


@pytest.fixture
def stack(transactional_db, own_redis, tmp_path, request):
    """Workers `w1` and `w2` and beat on a Redis of this test's own; the test's exports go there.
    Each build pauses 5 s, or as long as the test's indirect parameter says."""
    if connection.vendor != "postgresql":
        need_service("worker processes need PostgreSQL shared with the tests (set DATABASE_URL)")
    _, redis_url = own_redis
    processes = Stack(tmp_path, redis_url, pause=getattr(request, "param", 5.0))
    previous = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    use_broker(redis_url)
    try:
        processes.start_worker("w1")
        processes.start_worker("w2")
        processes.start("beat", "beat", "--schedule", str(tmp_path / "beat-schedule"))
        processes.wait_ready("w1")
        processes.wait_ready("w2")
        yield processes
    finally:
        processes.stop_all()
        celery_app.conf.task_always_eager = previous[0]
        use_broker(previous[1])


def use_broker(url: str) -> None:
    """Point this process's Celery app at another broker. Celery keeps the connection pools of
    the broker it first used; they are forgotten, as Celery itself does after a fork."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def request_export(api, world) -> int:
    response = api(world.user("EU", "negotiator")).post(
        "/api/v1/exports/",
        {"agreement": world.agreement.pk, "format": "docx", "variant": "negotiating"},
    )
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def worker_running(stack: Stack, job_id: int) -> str:
    """The worker that took the job's first message, once the job runs."""
    wait_for(
        lambda: ExportJob.objects.filter(pk=job_id, status="running").exists(),
        timeout=60,
        message="the export to start",
    )
    [name] = [name for name in ("w1", "w2") if "build_export[" in stack.log(name)]
    return name


def pool_process_of(stack: Stack, name: str) -> int:
    found = subprocess.run(
        ["pgrep", "-P", str(stack.processes[name].pid)], capture_output=True, text=True
    )
    [child] = [int(pid) for pid in found.stdout.split()]
    return child


def finished(job_id: int, timeout: float) -> ExportJob:
    return wait_for(
        lambda: ExportJob.objects.filter(pk=job_id, status__in=["done", "failed"]).first(),
        timeout=timeout,
        interval=0.1,
        message="the export to finish",
    )


def assert_downloadable(api, world, job_id: int) -> dict:
    client = api(world.user("EU", "negotiator"))
    job = client.get(f"/api/v1/exports/{job_id}/").json()
    assert job["status"] == "done", job["error"]
    download = client.get(job["download_url"])
    assert download.status_code == 200
    document = Document(io.BytesIO(b"".join(download.streaming_content)))
    assert "Stockpiling" in "\n".join(paragraph.text for paragraph in document.paragraphs)
    return job


@pytest.mark.parametrize("killed", ["whole worker", "pool process"])
def test_an_export_whose_worker_is_killed_is_built_by_another_within_two_minutes(
    world, api, client, make_provision, stack, killed
):
    make_provision("1. The Parties [US: shall][EU: should] cooperate.", heading="Stockpiling")
    job_id = request_export(api, world)
    first = worker_running(stack, job_id)
    other = {"w1": "w2", "w2": "w1"}[first]

    if killed == "whole worker":
        stack.kill_group(first)  # the worker, its pool process and the heartbeat thread in it
        stack.processes[first].wait(timeout=10)
    else:
        os.kill(pool_process_of(stack, first), signal.SIGKILL)  # as the OOM killer would
    killed_at = time.monotonic()
    assert ExportJob.objects.get(pk=job_id).status == "running"  # for now nobody builds it

    wait_for(
        lambda: ExportJob.objects.filter(pk=job_id, attempts=2).exists(),
        timeout=120,
        interval=0.1,
        message="the export to be delivered again",
    )
    redelivered_after = time.monotonic() - killed_at
    # The page tells the requester, while the second run is on its way.
    client.force_login(world.user("EU", "negotiator"))
    page = client.get(f"/exports/{job_id}/").content.decode()
    if ExportJob.objects.get(pk=job_id).status != "done":
        assert "The worker building this export stopped" in page

    job = finished(job_id, timeout=120 - redelivered_after)
    done_after = time.monotonic() - killed_at
    print(
        f"\n{killed} killed: delivered again after {redelivered_after:.1f} s, "
        f"done after {done_after:.1f} s"
    )
    assert job.status == "done", job.error
    assert redelivered_after < STALE_SECONDS + SWEEP_SECONDS + 5
    assert done_after < 120
    answer = assert_downloadable(api, world, job_id)
    assert answer["attempts"] == 2
    if killed == "whole worker":
        assert "build_export[" in stack.log(other)  # the survivor built it
        assert stack.processes[first].poll() is not None
    else:
        assert "WorkerLostError" in stack.log(first) or "exited prematurely" in stack.log(first)


@pytest.mark.parametrize("stack", [2 * (STALE_SECONDS + SWEEP_SECONDS)], indirect=True)
def test_a_slow_worker_that_keeps_beating_keeps_its_export(world, api, make_provision, stack):
    make_provision("1. The Parties [US: shall][EU: should] cooperate.", heading="Stockpiling")
    job_id = request_export(api, world)
    first = worker_running(stack, job_id)
    started = time.monotonic()

    statuses = set()

    def done() -> ExportJob | None:
        job = ExportJob.objects.get(pk=job_id)
        statuses.add((job.status, job.attempts))
        return job if job.status in ("done", "failed") else None

    job = wait_for(done, timeout=60, interval=0.1, message="the export to finish")
    took = time.monotonic() - started
    print(f"\nslow worker: done after {took:.1f} s, lost if silent for {STALE_SECONDS} s")

    # Silent that long, it would have been given to the other worker. (The build pauses for
    # stack.pause; `took` starts when the test first sees it running, a poll later.)
    assert took > STALE_SECONDS + SWEEP_SECONDS
    assert job.status == "done" and job.attempts == 1, job.error
    assert statuses <= {("running", 1), ("done", 1)}, statuses
    other = {"w1": "w2", "w2": "w1"}[first]
    assert "build_export[" not in stack.log(other)
    sweeps = stack.log("w1").count("sweep_exports[") + stack.log("w2").count("sweep_exports[")
    assert sweeps >= 2, "the sweeper ran meanwhile"
    assert_downloadable(api, world, job_id)
