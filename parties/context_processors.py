from .access import actor_for


def actor(request) -> dict:
    """Makes `actor` (user, party, role) available to every template."""
    user = getattr(request, "user", None)
    return {"actor": actor_for(user) if user is not None else None}
