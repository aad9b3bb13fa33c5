"""The audit log: one function writes every entry; entries are never changed or removed.

    audit_record(AuditEntry.Kind.TOKEN_REVOKED, actor=request.user, subject=token.user,
                 request=request, detail=f"Token “{token.name}”")

`party` defaults to the subject's delegation (or the actor's when there is no subject), so a
delegation's lead finds the entries about its own members. The entry keeps the usernames and the
party's code as they are now: it reads the same after either is deleted (see `AuditEntry`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from config.security import client_address

from .models import AuditEntry, Membership, Party

Kind = AuditEntry.Kind


def audit_record(
    kind: str,
    *,
    actor=None,
    subject=None,
    username: str = "",
    party: Party | None = None,
    request=None,
    detail: str = "",
) -> AuditEntry:
    actor = actor if _is_user(actor) else None
    subject = subject if _is_user(subject) else None
    concerned = subject or actor
    if party is None and concerned is not None:
        membership = Membership.objects.filter(user=concerned).select_related("party").first()
        party = membership.party if membership else None
    return AuditEntry.objects.create(
        kind=kind,
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        subject=subject,
        username=(username or (concerned.get_username() if concerned else ""))[:150],
        party_code=party.code if party else "",
        client_address=client_address(request) if request is not None else None,
        detail=detail,
    )


def _is_user(user) -> bool:
    return isinstance(user, get_user_model()) and user.pk is not None
