"""A change notifies watchers through a real Celery worker on Redis, end to end."""

from negotiations import tasks
from negotiations.models import Notification
from negotiations.services import comment_create, watch_create
from parties.access import actor_for
from provisions import services as provision_services
from tests.integration.conftest import wait_for


def test_watcher_gets_an_email_from_the_worker(world, make_provision, celery_worker_process):
    provision = make_provision("The Parties shall cooperate.")
    watcher = world.user("EU", "reviewer")
    watcher.email = "eu-reviewer@example.org"
    watcher.save()
    watch_create(actor=actor_for(watcher), provision=provision)

    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="The Parties should cooperate.",
        reason="Softer wording",
    )
    comment_create(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        body="US-only thought",
        visibility="delegation",
    )

    notification = Notification.objects.get(recipient=watcher)
    wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists(),
        message="the worker to e-mail the notification",
    )
    sent = "".join(path.read_text() for path in celery_worker_process.mail_dir.glob("*.log"))
    assert "eu-reviewer@example.org" in sent
    assert "Softer wording" in sent
    assert "US-only thought" not in sent

    # The digest runs on the worker too and answers through the Redis result backend.
    assert tasks.send_daily_digest.delay().get(timeout=30) == 1
