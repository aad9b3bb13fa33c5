"""Celery tasks: thin wrappers that call the services with ids (idempotent, acknowledged late)."""

from celery import shared_task

from . import notifications, services


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    return notifications.notification_send_emails(notification_ids)


@shared_task(acks_late=True)
def send_daily_digest() -> int:
    return notifications.notification_send_digests()


@shared_task(acks_late=True)
def send_action_item_reminders() -> int:
    return services.action_item_send_reminders()
