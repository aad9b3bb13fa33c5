"""Progress figures: provisions by status, brackets remaining per party, agreed share.

Per agreement, per chapter and at each round's close; the API and the dashboard read the same
`agreement_progress`. Figures are computed from the text (history for closed rounds) and cached
under keys that change whenever the underlying text does, so no stale figure is ever served.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max

from agreement.models import Agreement
from provisions import brackets
from provisions.compare import Snapshot
from provisions.models import AGREED_STATUSES, HistoricalProvision, Provision, Status
from provisions.selectors import provision_snapshots_as_of


@dataclass(frozen=True)
class Figures:
    provisions: int  # not counting withdrawn ones
    by_status: dict[str, int]
    agreed: int  # agreed or agreed ad referendum
    brackets_total: int
    brackets_unattributed: int
    brackets_by_party: dict[str, int] = field(default_factory=dict)

    @property
    def agreed_share(self) -> float:
        return round(self.agreed / self.provisions, 4) if self.provisions else 0.0

    def as_dict(self) -> dict:
        return {
            "provisions": self.provisions,
            "by_status": self.by_status,
            "agreed": self.agreed,
            "agreed_share": self.agreed_share,
            "brackets": {
                "total": self.brackets_total,
                "unattributed": self.brackets_unattributed,
                "by_party": self.brackets_by_party,
            },
        }


def figures_of(snapshots: Iterable[Snapshot]) -> Figures:
    """Count statuses and the brackets left in each text (withdrawn provisions hold none)."""
    by_status = Counter({value: 0 for value in Status.values})
    by_party: Counter = Counter()
    total = unattributed = 0
    for snapshot in snapshots:
        by_status[snapshot.status] += 1
        if snapshot.status == Status.WITHDRAWN or not snapshot.body:
            continue
        count = brackets.count_brackets(brackets.parse(snapshot.body).document)
        total += count.total
        unattributed += count.unattributed
        by_party.update(count.by_party)
    live = sum(by_status.values()) - by_status[Status.WITHDRAWN]
    return Figures(
        provisions=live,
        by_status=dict(by_status),
        agreed=sum(by_status[status] for status in AGREED_STATUSES),
        brackets_total=total,
        brackets_unattributed=unattributed,
        brackets_by_party=dict(sorted(by_party.items())),
    )


@dataclass(frozen=True)
class ChapterFigures:
    number: int
    title: str
    figures: Figures


@dataclass(frozen=True)
class RoundFigures:
    number: int
    venue: str
    closed_at: object
    figures: Figures


@dataclass(frozen=True)
class Progress:
    figures: Figures
    chapters: list[ChapterFigures]
    rounds: list[RoundFigures]

    def as_dict(self) -> dict:
        return {
            "figures": self.figures.as_dict(),
            "chapters": [
                {"number": c.number, "title": c.title, "figures": c.figures.as_dict()}
                for c in self.chapters
            ],
            "rounds": [
                {
                    "number": r.number,
                    "venue": r.venue,
                    "closed_at": r.closed_at,
                    "figures": r.figures.as_dict(),
                }
                for r in self.rounds
            ],
        }


def _current_snapshots(agreement: Agreement) -> list[Snapshot]:
    rows = Provision.objects.filter(agreement=agreement).values_list(
        "id",
        "number",
        "heading",
        "category",
        "status",
        "chapter__number",
        "order",
        "body",
        "version",
    )
    return [Snapshot(*row) for row in rows]


def _current(agreement: Agreement) -> tuple[Figures, list[ChapterFigures]]:
    # Every write adds a history row, so the newest row id changes whenever any figure can.
    latest = HistoricalProvision.objects.filter(agreement_id=agreement.pk).aggregate(
        last=Max("history_id")
    )
    # Chapters are not versioned: their numbers and titles go into the key themselves.
    chapters = repr(list(agreement.chapters.values_list("id", "number", "title")))
    key = f"progress:{agreement.pk}:{latest['last']}:{hashlib.sha256(chapters.encode()).hexdigest()[:16]}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    snapshots = _current_snapshots(agreement)
    chapters = [
        ChapterFigures(
            number=chapter.number,
            title=chapter.title,
            figures=figures_of(s for s in snapshots if s.chapter_number == chapter.number),
        )
        for chapter in agreement.chapters.order_by("number")
    ]
    result = (figures_of(snapshots), chapters)
    cache.set(key, result, timeout=24 * 3600)
    return result


def _at_close(agreement: Agreement, round_) -> Figures:
    # A closed round's text never changes: its figures are cached for as long as it stays closed.
    key = f"progress:round:{round_.pk}:{round_.closed_at.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        cached = figures_of(provision_snapshots_as_of(agreement, round_.closed_at).values())
        cache.set(key, cached, timeout=None)
    return cached


def agreement_progress(agreement: Agreement) -> Progress:
    """Figures now, per chapter now, and at the close of each closed round, oldest first."""
    figures, chapters = _current(agreement)
    rounds = [
        RoundFigures(
            number=r.number, venue=r.venue, closed_at=r.closed_at, figures=_at_close(agreement, r)
        )
        for r in agreement.rounds.filter(closed_at__isnull=False).order_by("number")
    ]
    return Progress(figures=figures, chapters=chapters, rounds=rounds)
