"""Reads of provisions and their history, scoped to the actor's agreements."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404

from agreement.models import Agreement, Chapter
from agreement.selectors import agreement_list_for
from parties.access import Actor

from . import diff
from .compare import ProvisionChange, Snapshot, compare_snapshots
from .models import Provision

HistoricalProvision = Provision.history.model


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


def provision_version_get(provision: Provision, version: int):
    """One version of a provision (404 when it has no such version)."""
    return get_object_or_404(provision.history.select_related("history_user"), version=version)


@dataclass(frozen=True)
class VersionDiff:
    """Two versions of a provision and what changed between them."""

    old: object
    new: object
    ops: list[diff.DiffOp]
    fields: list[dict]
    stats: diff.DiffStats


def provision_diff(provision: Provision, from_version: int, to_version: int) -> VersionDiff:
    """Word diff of the text plus heading, status and category changes (404 for a missing version)."""
    old = provision_version_get(provision, from_version)
    new = provision_version_get(provision, to_version)
    ops = diff.diff_text(old.body, new.body)
    particulars = ("heading", "status", "category")
    return VersionDiff(
        old=old,
        new=new,
        ops=ops,
        fields=diff.diff_fields(
            {name: getattr(old, name) for name in particulars},
            {name: getattr(new, name) for name in particulars},
        ),
        stats=diff.diff_stats(ops),
    )


def provision_snapshots_as_of(
    agreement: Agreement, moment: datetime.datetime
) -> dict[int, Snapshot]:
    """The agreement's provisions as they stood at `moment`, read from history (three queries)."""
    latest = (
        HistoricalProvision.objects.filter(agreement_id=agreement.pk, history_date__lte=moment)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    records = HistoricalProvision.objects.filter(history_id__in=latest).exclude(history_type="-")
    chapter_numbers = dict(Chapter.objects.filter(agreement=agreement).values_list("id", "number"))
    return {
        record.id: Snapshot(
            id=record.id,
            number=record.number,
            heading=record.heading,
            category=record.category,
            status=record.status,
            chapter_number=chapter_numbers.get(record.chapter_id, 0),
            order=record.order,
            body=record.body,
            version=record.version,
            proposed_by_id=record.proposed_by_id,
        )

        for record in records
    }


def agreement_compare(
    agreement: Agreement, start: datetime.datetime, end: datetime.datetime
) -> list[ProvisionChange]:
    """What changed in the agreement's provisions between two moments (either order)."""
    return compare_snapshots(
        provision_snapshots_as_of(agreement, start), provision_snapshots_as_of(agreement, end)
    )
