"""The consolidated text of an agreement at a point in time, read from history.

Produces the plain `ConsolidatedText` the document builders render, in a fixed number of queries
whatever the number of provisions (eight at most, for a redline).
"""

import datetime

from django.utils import timezone

from provisions.compare import Snapshot
from provisions.models import AGREED_STATUSES, Category, Status
from provisions.selectors import provision_snapshots_as_of

from .documents.model import ArticleEntry, ChapterEntry, ConsolidatedText, PartyEntry
from .models import Agreement, ExportJob

CLASSIFICATION = {
    ExportJob.Variant.NEGOTIATING: "Limited — negotiating text",
    ExportJob.Variant.AGREED: "Limited — agreed text, subject to legal review",
    ExportJob.Variant.REDLINE: "Limited — negotiating text, changes marked",
}


def _article(snapshot: Snapshot, party_codes: dict[int, str], **extra) -> ArticleEntry:
    return ArticleEntry(
        number=snapshot.number,
        heading=snapshot.heading,
        status=snapshot.status,
        status_label=Status(snapshot.status).label,
        category_label=Category(snapshot.category).label,
        proposed_by=party_codes.get(snapshot.proposed_by_id),
        body=snapshot.body,
        version=snapshot.version,
        minerals=snapshot.minerals,
        **extra,
    )


def _minerals_changed(before: Snapshot, after: Snapshot) -> bool:
    """Whether the minerals changed; never where either side's are unknown (not recorded)."""
    if before.minerals is None or after.minerals is None:
        return False
    return before.minerals != after.minerals


def _articles(
    variant: str, now: dict[int, Snapshot], base: dict[int, Snapshot], party_codes: dict[int, str]
) -> list[tuple[Snapshot, ArticleEntry]]:
    """Each article to print with the snapshot that places it; withdrawn text is not printed."""
    live = {pk: s for pk, s in now.items() if s.status != Status.WITHDRAWN}
    if variant == ExportJob.Variant.AGREED:
        return [
            (s, _article(s, party_codes, included=s.status in AGREED_STATUSES))
            for s in live.values()
        ]
    if variant == ExportJob.Variant.NEGOTIATING:
        return [(s, _article(s, party_codes)) for s in live.values()]
    base_live = {pk: s for pk, s in base.items() if s.status != Status.WITHDRAWN}
    entries = []
    for pk, snapshot in live.items():
        before = base_live.get(pk)
        if before is None:
            change = "added"
        elif (before.body, before.heading) != (snapshot.body, snapshot.heading) or (
            _minerals_changed(before, snapshot)
        ):
            change = "changed"
        else:
            change = "unchanged"
        entries.append(
            (
                snapshot,
                _article(
                    snapshot,
                    party_codes,
                    change=change,
                    base_body=before.body if before else None,
                    base_heading=before.heading if before else None,
                    base_minerals=before.minerals if before else None,
                ),
            )
        )
    for pk, before in base_live.items():
        if pk not in live:
            entries.append(
                (
                    before,
                    _article(
                        before,
                        party_codes,
                        change="removed",
                        base_body=before.body,
                        base_heading=before.heading,
                        base_minerals=before.minerals,
                    ),
                )
            )
    return entries


def consolidated_text(job: ExportJob) -> ConsolidatedText:
    """The text the job asks for: its variant, at its point in time, with its marking."""
    agreement: Agreement = job.agreement
    now = provision_snapshots_as_of(agreement, job.as_of)
    base = (
        provision_snapshots_as_of(agreement, job.base_at)
        if job.variant == ExportJob.Variant.REDLINE
        else {}
    )
    participations = list(agreement.participations.select_related("party"))
    as_of_day = job.as_of.date()
    party_codes = {p.party_id: p.party.code for p in participations}
    chapters = {c.number: c.title for c in agreement.chapters.all()}
    by_chapter: dict[int, list[tuple[Snapshot, ArticleEntry]]] = {}
    for snapshot, article in _articles(job.variant, now, base, party_codes):
        by_chapter.setdefault(snapshot.chapter_number, []).append((snapshot, article))
    return ConsolidatedText(
        agreement_title=agreement.title,
        short_title=agreement.short_title or agreement.title,
        variant=job.variant,
        as_of=job.as_of,
        as_of_label=job.as_of_label,
        base_at=job.base_at,
        base_label=job.base_label or None,
        parties=tuple(
            PartyEntry(code=p.party.code, name=p.party.name, standing=p.standing)
            for p in sorted(participations, key=lambda p: p.party.code)
            if p.joined_on <= as_of_day
        ),
        chapters=tuple(
            ChapterEntry(
                number=number,
                title=chapters.get(number, ""),
                articles=tuple(
                    a for _, a in sorted(entries, key=lambda e: (e[0].order, _natural(e[0].number)))
                ),
            )
            for number, entries in sorted(by_chapter.items())
        ),
        classification=CLASSIFICATION[job.variant],
        marking=job.marking,
        generated_at=timezone.now(),
        export_id=job.pk,
        party_colours={p.party.code: p.party.colour for p in participations},
    )


def _natural(number: str) -> tuple:
    """'2.10' after '2.9'."""
    # (0, n) for numbers, (1, text) otherwise: "2.1bis" sorts after "2.1" instead of failing.
    return tuple(
        (0, int(part)) if part.isascii() and part.isdigit() else (1, part)
        for part in number.split(".")
    )


def marking_for(job: ExportJob, when: datetime.datetime | None = None) -> str:
    user = job.requested_by
    membership = getattr(user, "membership", None)
    party = membership.party.code if membership else "Secretariat"
    day = (when or timezone.now()).date().isoformat()
    return f"Prepared for {user.get_username()} ({party}) on {day}, export {job.pk}"
