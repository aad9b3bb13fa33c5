"""Reads of agreements, scoped to what the actor's party takes part in."""

from django.db.models import QuerySet

from parties.access import Actor

from .models import Agreement, Chapter, ExportJob, Mineral, Participation


def agreement_list_for(actor: Actor) -> QuerySet[Agreement]:
    """The secretariat sees every agreement; a delegation sees those its party takes part in."""
    if actor.is_secretariat:
        return Agreement.objects.all()
    if actor.party is None:
        return Agreement.objects.none()
    return Agreement.objects.filter(participations__party=actor.party)


def chapter_list_for(actor: Actor) -> QuerySet[Chapter]:
    return Chapter.objects.filter(agreement__in=agreement_list_for(actor)).select_related(
        "agreement"
    )


def mineral_list_for(actor: Actor) -> QuerySet[Mineral]:
    return Mineral.objects.filter(agreement__in=agreement_list_for(actor))


def participation_list(agreement: Agreement) -> QuerySet[Participation]:
    return agreement.participations.select_related("party").order_by("joined_on", "party__code")


def agreement_party_codes(agreement: Agreement) -> frozenset[str]:
    """The party codes that may appear in this agreement's bracket attributions."""
    return frozenset(agreement.participations.values_list("party__code", flat=True))


def export_list_for(actor: Actor) -> QuerySet[ExportJob]:
    """The actor's own export jobs: each file is marked for the person who asked for it."""
    return ExportJob.objects.filter(requested_by_id=actor.user.pk).select_related("agreement")
