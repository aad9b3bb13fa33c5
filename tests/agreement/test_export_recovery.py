"""Exports whose worker was lost: the lease, the sweeper's timings and what it does to each job.
(tests/integration/test_worker_loss.py kills real workers.)"""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from agreement import services
from agreement.models import ExportJob
from parties.access import actor_for


@pytest.fixture
def job_for(world, make_provision):
    """job_for(**fields) → an export job of the EU negotiator's, as a worker left it."""
    make_provision("1. The Parties [US: shall][EU: should] cooperate.", heading="Stockpiling")

    def make(**fields) -> ExportJob:
        now = timezone.now()
        return ExportJob.objects.create(
            agreement=world.agreement,
            requested_by=world.user("EU", "negotiator"),
            format="txt",
            variant="negotiating",
            as_of=now,
            as_of_label="now",
            **{"queued_at": now, **fields},
        )

    return make


def long_ago(seconds: float = 3600) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_a_job_silent_past_the_limit_is_built_again_and_its_old_run_can_no_longer_write(job_for):
    job = job_for(status="running", lease="a" * 32, attempts=1, heartbeat_at=long_ago())

    assert services.export_sweep() == 1  # queued again; tasks run in-process here

    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("done", 2, 100)
    assert job.lease == "" and job.file
    # The first run, had it been merely slow, holds a lease that no longer opens anything.
    stale_run = ExportJob.objects.filter(pk=job.pk, status="running", lease="a" * 32)
    assert stale_run.update(status="failed") == 0


def test_a_job_whose_worker_stopped_on_every_attempt_fails_with_the_reason(job_for, settings):
    settings.EXPORT_MAX_ATTEMPTS = 3
    job = job_for(status="running", lease="b" * 32, attempts=3, heartbeat_at=long_ago())

    assert services.export_sweep() == 1

    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at and not job.file
    assert job.error == (
        "The worker building this export stopped before finishing; it was restarted 2 times. "
        "Please request it again."
    )


def test_a_job_with_a_fresh_heartbeat_is_left_to_its_worker(job_for, settings):
    fresh = timezone.now() - settings.EXPORT_STALE_AFTER / 2
    job = job_for(status="running", lease="c" * 32, attempts=1, heartbeat_at=fresh)

    assert services.export_sweep() == 0
    job.refresh_from_db()
    assert (job.status, job.lease, job.attempts) == ("running", "c" * 32, 1)


def test_a_second_delivery_of_a_claimed_job_does_nothing(job_for):
    running = job_for(status="running", lease="d" * 32, attempts=1, heartbeat_at=timezone.now())
    done = job_for(status="done", attempts=1, progress=100)

    for job in (running, done):
        before = ExportJob.objects.values().get(pk=job.pk)
        services.export_build(job.pk)
        assert ExportJob.objects.values().get(pk=job.pk) == before


def test_a_queued_job_whose_message_went_missing_is_sent_again(job_for):
    lost = job_for(queued_at=long_ago(120))
    recent = job_for()  # its message is still on its way: not sent twice

    assert services.export_sweep() == 1

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.status, lost.attempts) == ("done", 1)
    assert (recent.status, recent.attempts) == ("queued", 0)


def test_a_job_no_worker_took_for_an_hour_fails(job_for):
    job = job_for(queued_at=long_ago())
    ExportJob.objects.filter(pk=job.pk).update(created_at=long_ago(2 * 3600))

    assert services.export_sweep() == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "No export worker picked this job up in time. Please request it again."


def test_a_run_that_lost_its_lease_meanwhile_keeps_nothing(world, job_for, monkeypatch):
    from agreement import documents

    build = documents.build
    job = job_for()

    def build_while_swept(*args, **kwargs):
        built = build(*args, **kwargs)
        # Meanwhile the sweeper took this run for dead and queued the job again.
        ExportJob.objects.filter(pk=job.pk).update(status="queued", lease="")
        return built

    monkeypatch.setattr(documents, "build", build_while_swept)
    services.export_build(job.pk)

    job.refresh_from_db()
    assert (job.status, job.file.name, job.sha256) == ("queued", "", "")
    media = Path(job.file.storage.location)
    assert not list(media.rglob(f"*-export-{job.pk}.txt"))


def test_the_page_and_the_api_tell_of_a_lost_worker(world, api, client, job_for):
    eu = world.user("EU", "negotiator")
    requeued = job_for(attempts=1)
    failed = job_for(status="failed", attempts=2, error=services._stopped_error(2))
    client.force_login(eu)

    page = client.get(f"/exports/{requeued.pk}/").content.decode()
    assert "The worker building this export stopped; it is queued again" in page
    page = client.get(f"/exports/{failed.pk}/").content.decode()
    assert "stopped before finishing; it was restarted 1 time." in page
    answer = api(eu).get(f"/api/v1/exports/{failed.pk}/").json()
    assert (answer["status"], answer["attempts"]) == ("failed", 2)
    assert answer["error"] == services._stopped_error(2)


def test_a_requested_export_is_built_by_one_run(
    world, make_provision, django_capture_on_commit_callbacks
):
    make_provision("1. The Parties shall cooperate.")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_request(
            actor=actor_for(world.user("EU", "negotiator")),
            agreement=world.agreement,
            format="md",
            variant="negotiating",
        )
    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease) == ("done", 1, "")
    assert job.queued_at and job.started_at and job.heartbeat_at


def test_by_default_a_lost_worker_is_noticed_within_two_minutes():
    """From the last heartbeat before the death to the sweep that acts: stale + one sweep period,
    with the settings the environment gives when nothing is set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("EXPORT_") and name != "DJANGO_SETTINGS_MODULE"
    }
    script = (
        "from django.conf import settings as s;"
        "sweep = s.CELERY_BEAT_SCHEDULE['sweep-exports']['schedule'];"
        "print(s.EXPORT_HEARTBEAT_INTERVAL.total_seconds(), s.EXPORT_STALE_AFTER.total_seconds(),"
        " sweep, s.EXPORT_MAX_ATTEMPTS)"
    )
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heartbeat, stale, sweep, attempts = map(float, output)
    assert heartbeat * 3 <= stale  # a live worker misses two beats before it looks dead
    assert stale + sweep <= 120
    assert attempts >= 2  # at least one redelivery
