"""Who hears of what, in the application and by e-mail.

An event reaches the watchers of its provision, of the provision's chapter and of its agreement,
plus anyone named (an action item's assignee) and every member of the parties it concerns (whose
language a proposal changed, whose consent a resolution asks for), watching or not; never the
person who caused it, and only users who can read the agreement. A delegation-only event reaches
only that delegation's members who see delegation material; everyone else is not told it happened.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agreement.models import Agreement
from parties.access import Actor, Role, actor_for
from parties.models import Party
from provisions.models import Provision

from .models import Notification, Watch

User = get_user_model()
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    kind: str
    agreement: Agreement
    actor: Actor
    message: str
    provision: Provision | None = None
    delegation: Party | None = None
    also_notify: tuple[int, ...] = field(default_factory=tuple)  # user ids, e.g. an assignee
    # Party ids whose delegations are told whether or not they watch: their language or their
    # consent is concerned.
    concerned_parties: tuple[int, ...] = field(default_factory=tuple)


def provision_url(provision: Provision) -> str:
    return f"/provisions/{provision.pk}/"


def _candidate_ids(event: Event) -> set[int]:
    targets = Q(agreement=event.agreement)
    if event.provision is not None:
        targets |= Q(provision=event.provision) | Q(chapter_id=event.provision.chapter_id)
    ids = set(Watch.objects.filter(targets).values_list("user_id", flat=True))
    ids.update(event.also_notify)
    if event.concerned_parties:
        ids.update(
            User.objects.filter(membership__party_id__in=event.concerned_parties).values_list(
                "pk", flat=True
            )
        )
    ids.discard(event.actor.user.pk)
    return ids


def _recipients(event: Event) -> list:
    """Candidates who may read the agreement and, for delegation-only events, belong to it."""
    candidates = _candidate_ids(event)
    if not candidates:
        return []
    users = User.objects.filter(pk__in=candidates, is_active=True).select_related("membership")
    participating = set(event.agreement.participations.values_list("party_id", flat=True))
    recipients = []
    for user in users:
        membership = getattr(user, "membership", None)
        if event.delegation is not None:
            allowed = (
                membership is not None
                and membership.party_id == event.delegation.pk
                and membership.role != Role.OBSERVER
            )
        else:
            allowed = user.is_staff or (
                membership is not None and membership.party_id in participating
            )
        if allowed:
            recipients.append(user)
    return recipients


def notification_publish(event: Event) -> list[Notification]:
    """Record the event for each recipient and e-mail them once the write commits."""

    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=event.kind,
            agreement=event.agreement,
            provision=event.provision,
            delegation=event.delegation,
            actor_label=event.actor.label,
            message=event.message[:500],
            url=provision_url(event.provision) if event.provision else "",
        )
        for user in _recipients(event)
    )
    ids = [notification.pk for notification in notifications]
    if ids:
        transaction.on_commit(lambda: _queue_emails(ids))
    return notifications


def _queue_emails(notification_ids: list[int]) -> None:
    """Queue the e-mails; if the broker is down the notifications stay in the application and
    go out with the next daily digest, and the write that caused them is not disturbed."""
    from .tasks import send_notification_emails

    try:
        send_notification_emails.delay(notification_ids)
    except Exception:
        logger.warning(
            "could not queue e-mails for notifications %s", notification_ids, exc_info=True
        )


def _subject(notification: Notification) -> str:
    marking = "[Delegation only] " if notification.delegation_id else ""
    return f"{marking}{notification.get_kind_display()}: {notification.message}"[:200]


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url else settings.SITE_URL


def _still_entitled(notification: Notification) -> bool:
    """A delegation-only event goes out only to someone who still sees that delegation's material."""
    return notification.delegation_id is None or actor_for(
        notification.recipient
    ).sees_delegation_material_of(notification.delegation_id)


def notification_send_emails(notification_ids: list[int]) -> int:
    """E-mail each notification not e-mailed yet; safe to run twice."""
    sent = 0
    pending = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
    for notification in pending.select_related("recipient"):
        if notification.recipient.email and _still_entitled(notification):
            body = f"{notification.actor_label}: {notification.message}\n\n{_absolute(notification.url)}\n"
            send_mail(_subject(notification), body, None, [notification.recipient.email])
            sent += 1
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return sent


def notification_send_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per user listing the events of the last day not yet in a digest."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            digested_at__isnull=True, created_at__gte=now - datetime.timedelta(days=1)
        )
        .select_related("recipient")
        .order_by("created_at")
    )
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_recipient[notification.recipient_id].append(notification)
    sent = 0
    for notifications in by_recipient.values():
        recipient = notifications[0].recipient
        entitled = [n for n in notifications if _still_entitled(n)]
        if recipient.email and entitled:
            lines = [
                f"- {n.created_at:%d %b %H:%M} UTC · {'[Delegation only] ' if n.delegation_id else ''}"
                f"{n.actor_label}: {n.message} {_absolute(n.url)}"
                for n in entitled
            ]
            send_mail(
                f"Daily digest: {len(entitled)} update(s) in the negotiation",
                "What happened in the last day:\n\n" + "\n".join(lines) + "\n",
                None,
                [recipient.email],
            )
            sent += 1
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(digested_at=now)
    return sent
