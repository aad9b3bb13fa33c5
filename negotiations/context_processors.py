from parties.access import actor_for

from .selectors import notification_list_for


def unread_notifications(request) -> dict:
    """The unread count shown beside 'Notifications' in the header (one query per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": notification_list_for(actor_for(user))
        .filter(read_at__isnull=True)
        .count()
    }
