"""Reads of provisions and their history, scoped to the actor's agreements."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from agreement.selectors import agreement_list_for
from parties.access import Actor

from .models import Provision


def provision_list_for(actor: Actor) -> QuerySet[Provision]:
    """Provisions of the agreements the actor's party takes part in, with what lists display."""
    return (
        Provision.objects.filter(agreement__in=agreement_list_for(actor))
        .select_related("agreement", "chapter", "proposed_by")
        .prefetch_related("minerals")
    )


def provision_get_for(actor: Actor, pk: int) -> Provision:
    return get_object_or_404(provision_list_for(actor), pk=pk)


def provision_history(provision: Provision) -> QuerySet:
    """Every version, newest first, with its author."""
    return provision.history.select_related("history_user").order_by("-version", "-history_id")
