"""Reads of parties, delegations and the audit log that depend on who is asking."""

from django.db.models import QuerySet

from .access import Actor, Role
from .models import AuditEntry


def audit_entries_may_read(actor: Actor) -> bool:
    """The secretariat reads the whole log; a delegation's lead reads the entries about its members."""
    return actor.is_secretariat or (actor.party is not None and actor.role == Role.LEAD)


def audit_entries_for(actor: Actor) -> QuerySet[AuditEntry]:
    """The audit entries the actor may read, newest first: every one for the secretariat, those
    whose party is their own delegation for a lead, none for anyone else. Everything an entry
    shows is in its own row: no join."""
    entries = AuditEntry.objects.all()
    if actor.is_secretariat:
        return entries
    if audit_entries_may_read(actor):
        return entries.filter(party_code=actor.party.code)
    return entries.none()
