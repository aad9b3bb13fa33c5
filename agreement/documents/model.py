"""The consolidated text as plain data: what every document builder renders from.

Built from history by `agreement.consolidation` (Django); the builders know nothing of Django,
requests or tasks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

Variant = Literal["negotiating", "agreed", "redline"]
VARIANTS: tuple[str, ...] = ("negotiating", "agreed", "redline")
Change = Literal["added", "changed", "unchanged", "removed"]


@dataclass(frozen=True)
class PartyEntry:
    code: str
    name: str
    standing: str  # "participant" | "observer"


@dataclass(frozen=True)
class ArticleEntry:
    """One provision as it stood at the export's point in time.

    `body` is bracket notation. In the agreed variant, a provision not yet agreed has
    `included=False` and is listed by number and heading as under negotiation. In the redline
    variant, `base_body` is the text at the base point (None when the article did not exist then)
    and `change` says what happened to it since.

    `minerals` are the sorted names of the minerals the article covers, `base_minerals` (redline)
    those it covered at the base point; None where that version did not record them (unknown).
    """

    number: str
    heading: str
    status: str
    status_label: str
    category_label: str
    proposed_by: str | None
    body: str
    version: int
    included: bool = True
    base_body: str | None = None
    base_heading: str | None = None
    change: Change = "unchanged"
    minerals: tuple[str, ...] | None = None
    base_minerals: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ChapterEntry:
    number: int
    title: str
    articles: tuple[ArticleEntry, ...]


@dataclass(frozen=True)
class ConsolidatedText:
    agreement_title: str
    short_title: str
    variant: Variant
    as_of: datetime.datetime
    as_of_label: str  # "close of Round 1", "2026-06-19", "now"
    parties: tuple[PartyEntry, ...]
    chapters: tuple[ChapterEntry, ...]
    classification: str  # e.g. "Limited — negotiating text"
    marking: str  # "Prepared for eu-negotiator (EU) on 2026-11-27, export 42"
    generated_at: datetime.datetime
    export_id: int | None = None
    base_label: str | None = None  # redline only: "close of Round 1"
    base_at: datetime.datetime | None = None
    party_colours: dict[str, str] = field(default_factory=dict)  # code -> "#rrggbb"

    @property
    def variant_label(self) -> str:
        return {
            "negotiating": "Negotiating text",
            "agreed": "Agreed text",
            "redline": "Changes since " + (self.base_label or "the base point"),
        }[self.variant]

    def articles(self):
        for chapter in self.chapters:
            yield from chapter.articles
