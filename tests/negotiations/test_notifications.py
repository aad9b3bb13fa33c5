"""Watchers and notifications: who hears of what, and that delegation-only events stay inside."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from negotiations import tasks
from negotiations.models import ActionItem, Notification
from negotiations.services import (
    action_item_create,
    comment_create,
    position_record,
    watch_create,
)
from parties.access import actor_for
from provisions import services as provision_services

WATCHERS = [
    ("US", "lead"),
    ("US", "observer"),
    ("EU", "lead"),
    ("EU", "reviewer"),
    ("EU", "observer"),
    ("JP", "lead"),
]


@pytest.fixture
def watched(world, make_provision, secretariat):
    """A provision watched (on the provision, its chapter or the agreement) by several users."""
    provision = make_provision("The Parties shall cooperate.")
    for i, (code, role) in enumerate(WATCHERS):
        target = [
            {"provision": provision},
            {"chapter": world.chapter},
            {"agreement": world.agreement},
        ][i % 3]
        user = world.user(code, role)
        user.email = f"{code.lower()}-{role}@example.org"
        user.save()
        watch_create(actor=actor_for(user), **target)
    secretariat.email = "secretariat@example.org"
    secretariat.save()
    watch_create(actor=actor_for(secretariat), agreement=world.agreement)
    return provision


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_text_change_reaches_every_watcher_but_its_author(
    world, watched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        provision_services.provision_update(
            actor=actor_for(world.user("US", "lead")),
            provision=watched,
            expected_version=1,
            body="The Parties should cooperate.",
            reason="Softer",
        )
    expected = {f"{c.lower()}-{r}" for c, r in WATCHERS} - {"us-lead"} | {"secretariat"}
    assert recipients("text_changed") == expected
    assert {m.to[0] for m in mail.outbox} == {f"{name}@example.org" for name in expected}
    notification = Notification.objects.filter(kind="text_changed").first()
    assert "version 2: Softer" in notification.message
    assert notification.actor_label == "US · us-lead"


def test_status_and_shared_position_changes_are_shared(world, watched):
    provision_services.provision_set_status(
        actor=actor_for(world.user("US", "lead")), provision=watched, status="tabled"
    )
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=watched,
        party=world.eu,
        stance="reserve",
        note="Pending analysis",
        internal_note="Member States split",
    )
    assert "us-observer" in recipients("status_changed")
    assert "us-lead" in recipients("position_changed")
    messages = " ".join(Notification.objects.values_list("message", flat=True))
    assert "Member States split" not in messages
    assert "EU position on Article 2.1: Reserve — Pending analysis" in messages


def test_delegation_only_comment_reaches_only_that_delegation(
    world, watched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(
            actor=actor_for(world.user("EU", "lead")),
            provision=watched,
            body="Hold the line on price floors.",
            visibility="delegation",
        )
    assert recipients("comment_added") == {"eu-reviewer"}  # not observers, not US/JP, not staff
    notification = Notification.objects.get(kind="comment_added")
    assert notification.delegation == world.eu
    assert [m.to for m in mail.outbox] == [["eu-reviewer@example.org"]]
    assert mail.outbox[0].subject.startswith("[Delegation only]")


def test_internal_note_change_alone_is_told_to_the_delegation_only(world, watched):
    lead = actor_for(world.user("EU", "lead"))
    position_record(actor=lead, provision=watched, party=world.eu, stance="reserve", note="Shared")
    Notification.objects.all().delete()
    position_record(
        actor=lead,
        provision=watched,
        party=world.eu,
        stance="reserve",
        note="Shared",
        internal_note="New internal reasoning",
    )
    assert recipients("position_changed") == {"eu-reviewer"}
    assert "New internal reasoning" not in Notification.objects.get().message


def test_shared_comment_reaches_all_watchers(world, watched):
    comment_create(actor=actor_for(world.user("JP", "lead")), provision=watched, body="A question.")
    assert {"us-lead", "us-observer", "eu-lead", "secretariat"} <= recipients("comment_added")
    assert "jp-lead" not in recipients("comment_added")


def test_watchers_outside_the_agreement_hear_nothing(world, make_provision):
    from negotiations.models import Watch
    from tests.factories import MembershipFactory, PartyFactory

    provision = make_provision()
    outsider = MembershipFactory(party=PartyFactory(code="KR")).user
    Watch.objects.create(
        user=outsider, provision=provision
    )  # e.g. left over from a lost membership
    comment_create(actor=actor_for(world.user("US", "lead")), provision=provision, body="x")
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_assignee_is_told_of_an_action_item(world, make_provision):
    action_item_create(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        title="Consult capital",
        owner_party=world.us,
        assignee=world.user("US", "negotiator"),
        due_on=timezone.localdate(),
    )
    assert recipients("action_assigned") == {"us-negotiator"}


def test_watch_api_and_notification_list(world, api, make_provision):
    provision = make_provision()
    reader = api(world.user("EU", "reviewer"))
    watch = reader.post("/api/v1/watches/", {"provision": provision.pk})
    assert watch.status_code == 201
    assert (
        reader.post(
            "/api/v1/watches/", {"provision": provision.pk, "agreement": world.agreement.pk}
        ).status_code
        == 400
    )
    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="x",
    )
    assert reader.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    listed = reader.get("/api/v1/notifications/?unread=true").json()["results"]
    assert listed[0]["kind"] == "text_changed" and listed[0]["delegation_only"] is False
    assert reader.post("/api/v1/notifications/read/", {}).json() == {"unread": 0}
    assert api(world.user("US", "lead")).get("/api/v1/notifications/").json()["count"] == 0
    assert reader.delete(f"/api/v1/watches/{watch.json()['id']}/").status_code == 204


def test_watching_a_foreign_agreement_is_refused(world, api):
    from tests.factories import AgreementFactory

    other = AgreementFactory()
    response = api(world.user("EU", "reviewer")).post("/api/v1/watches/", {"agreement": other.pk})
    assert response.status_code == 403


def test_daily_digest_lists_the_days_events_once(world, watched):
    comment_create(
        actor=actor_for(world.user("JP", "lead")), provision=watched, body="Shared remark"
    )
    comment_create(
        actor=actor_for(world.user("US", "lead")),
        provision=watched,
        body="US internal",
        visibility="delegation",
    )
    mail.outbox.clear()
    assert tasks.send_daily_digest.delay().get() >= 1
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "Shared remark" in by_recipient["eu-lead@example.org"]
    assert "US internal" not in by_recipient["eu-lead@example.org"]
    assert "Shared remark" in by_recipient["us-observer@example.org"]
    # us-lead wrote it and the only other US watcher is an observer: no digest may carry it.
    assert all("US internal" not in body for body in by_recipient.values())
    mail.outbox.clear()
    tasks.send_daily_digest.delay().get()
    assert mail.outbox == []  # each event is in one digest only


def test_reminders_for_items_due_within_two_days_once_a_day(world):
    lead = actor_for(world.user("US", "lead"))
    negotiator = world.user("US", "negotiator")
    negotiator.email = "us-negotiator@example.org"
    negotiator.save()
    us_lead = world.user("US", "lead")
    us_lead.email = "us-lead@example.org"
    us_lead.save()
    today = timezone.localdate()
    action_item_create(
        actor=lead,
        agreement=world.agreement,
        title="Soon",
        owner_party=world.us,
        assignee=negotiator,
        due_on=today + datetime.timedelta(days=2),
    )
    action_item_create(
        actor=lead,
        agreement=world.agreement,
        title="Unassigned",
        owner_party=world.us,
        due_on=today - datetime.timedelta(days=1),
    )
    action_item_create(
        actor=lead,
        agreement=world.agreement,
        title="Later",
        owner_party=world.us,
        assignee=negotiator,
        due_on=today + datetime.timedelta(days=10),
    )
    mail.outbox.clear()
    assert tasks.send_action_item_reminders.delay().get() == 2
    subjects = {m.subject: m.to for m in mail.outbox}
    assert subjects[f"Reminder: Soon (due {today + datetime.timedelta(days=2):%d %b %Y})"] == [
        "us-negotiator@example.org"
    ]
    assert any(
        s.startswith("Reminder: Unassigned (overdue since") and to == ["us-lead@example.org"]
        for s, to in subjects.items()
    )
    assert tasks.send_action_item_reminders.delay().get() == 0
    assert ActionItem.objects.filter(reminded_on=today).count() == 2


def test_beat_schedules_digest_and_reminders(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "negotiations.tasks.send_daily_digest",
        "negotiations.tasks.send_action_item_reminders",
    } <= tasks_scheduled


def test_a_delegate_who_leaves_loses_the_delegations_notifications(world, watched, api):
    from parties.models import Membership

    comment_create(
        actor=actor_for(world.user("EU", "lead")),
        provision=watched,
        body="EU eyes only",
        visibility="delegation",
    )
    reviewer = world.user("EU", "reviewer")
    assert "EU eyes only" in str(api(reviewer).get("/api/v1/notifications/").json())
    Membership.objects.filter(user=reviewer).update(party=world.us)
    mail.outbox.clear()
    moved = get_user(reviewer.pk)
    assert "EU eyes only" not in str(api(moved).get("/api/v1/notifications/").json())
    assert api(moved).get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    tasks.send_daily_digest.delay().get()
    assert all("EU eyes only" not in m.body for m in mail.outbox)


def get_user(pk):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)
