"""What every document builder shares: runs of text with bracket attribution, labels, progress.

Each builder turns an article into paragraphs of `Run`s and writes them in its own syntax, so
the rules for what is shown (which text, which brackets, which changes) live here once:

- negotiating and agreed variants walk the bracket tree of `provisions.brackets.parse`; the runs
  are balanced ("open" ... "close") and text inside a group knows the group's parties;
- the redline variant shows the word diff of the bracket notation (`provisions.diff.diff_text`),
  so a change to a bracket or an attribution is visible as a change of text. Bracket marks in
  the notation are picked out lexically so they can still be styled, but the runs are not
  balanced there: a diff may insert an opening bracket whose closing bracket was already equal.

Pure Python, no Django.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from provisions.brackets import Group, Node, Paragraph, parse
from provisions.compare import describe_minerals_change
from provisions.diff import DiffOp, diff_text

from .model import ArticleEntry, ChapterEntry, ConsolidatedText, PartyEntry

RunKind = Literal["text", "open", "close"]
Change = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class BuiltDocument:
    """One exported file: its bytes, its media type and the file extension (without a dot)."""

    content: bytes
    content_type: str
    extension: str


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of an article paragraph.

    ``kind`` "open" is an opening bracket with ``parties`` its attribution (may be empty);
    "close" is a closing bracket (``text`` is "" when the source never closed the group, so
    nothing is shown); "text" is text as read, escapes resolved, with ``parties`` the
    attribution of the innermost enclosing group (for shading by party colour).
    ``change`` is the redline marking: the run was inserted, deleted or is unchanged.
    """

    kind: RunKind
    text: str
    parties: tuple[str, ...] = ()
    change: Change = "equal"


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of an article: its numbering (negotiating/agreed only) and its runs.

    ``end_change`` is the redline state of the paragraph break that ends it: a break that was
    inserted or deleted is a tracked paragraph mark in Word.
    """

    number: str | None
    runs: tuple[Run, ...]
    end_change: Change = "equal"


@dataclass(frozen=True, slots=True)
class HeadingPiece:
    """Part of an article heading in the redline variant (changed headings are diffed)."""

    text: str
    change: Change = "equal"


# --- Labels -----------------------------------------------------------------------------------


def chapter_title(chapter: ChapterEntry) -> str:
    """ "Chapter 3. Standards"."""
    return f"Chapter {chapter.number}. {chapter.title}"


def article_label(article: ArticleEntry) -> str:
    """ "Article 3.2" (the number part of an article heading)."""
    return f"Article {article.number}."


def article_title(article: ArticleEntry) -> str:
    """ "Article 3.2. Price floors", plus " — under negotiation" for a listed-only article."""
    title = f"{article_label(article)} {article.heading}"
    return title if article.included else title + " — under negotiation"


ADDED_NOTE = "New article"
REMOVED_NOTE = "Article removed"


def format_timestamp(moment: datetime.datetime) -> str:
    """A reader's timestamp: "2026-06-19 17:00 UTC" (no zone when the datetime is naive)."""
    text = moment.strftime("%Y-%m-%d %H:%M")
    zone = moment.tzname()
    return f"{text} {zone}" if zone else text


def point_in_time(text: ConsolidatedText) -> str:
    """ "Text as of close of Round 1 (2026-06-19 17:00 UTC)"."""
    return f"Text as of {text.as_of_label} ({format_timestamp(text.as_of)})"


def base_point(text: ConsolidatedText) -> str | None:
    """For the redline variant: "Changes shown against close of Round 1 (…)"; else None."""
    if text.variant != "redline":
        return None
    label = text.base_label or "the base point"
    when = f" ({format_timestamp(text.base_at)})" if text.base_at else ""
    return f"Changes shown against {label}{when}"


def party_line(party: PartyEntry) -> str:
    """ "US — United States", or "… (observer)" for an observer."""
    line = f"{party.code} — {party.name}"
    return line + " (observer)" if party.standing == "observer" else line


def subject_line(text: ConsolidatedText) -> str:
    """Variant and point in time on one line, for document metadata."""
    return f"{text.variant_label}. {point_in_time(text)}"


def legend(
    text: ConsolidatedText,
    changes: str = "Inserted text is underlined, deleted text struck through.",
) -> str:
    """How to read the brackets of this variant; ``changes`` says how the redline shows changes."""
    brackets = (
        "Square brackets mark text not yet agreed; the party codes after an opening bracket "
        "name its proponents."
    )
    if text.variant == "redline":
        return f"{changes} {brackets}"
    if text.variant == "agreed":
        return (
            "Only provisions agreed or agreed ad referendum are reproduced; the others are "
            "listed as under negotiation."
        )
    return f"{brackets} Adjacent bracketed groups are alternatives."


# --- Article content --------------------------------------------------------------------------


def article_paragraphs(text: ConsolidatedText, article: ArticleEntry) -> list[Para]:
    """The paragraphs to show for ``article`` in ``text``'s variant (none when not included)."""
    if not article.included:
        return []
    if text.variant == "redline":
        return redline_paragraphs(article_ops(article))
    return tree_paragraphs(article.body)


def tree_paragraphs(body: str) -> list[Para]:
    """Paragraphs of bracket notation as balanced runs, from the parse tree."""
    document = parse(body).document
    return [
        Para(paragraph.number, tuple(_tree_runs(paragraph))) for paragraph in document.paragraphs
    ]


def _tree_runs(paragraph: Paragraph) -> Iterator[Run]:
    # Iterative on purpose: "[[[[…" may nest deeper than Python's recursion limit.
    iterators: list[Iterator[Node]] = [iter(paragraph.children)]
    groups: list[Group] = []
    while iterators:
        node = next(iterators[-1], None)
        if node is None:
            iterators.pop()
            if groups:
                group = groups.pop()
                yield Run("close", "]" if group.closed else "", group.parties)
        elif isinstance(node, Group):
            yield Run("open", "[", node.parties)
            groups.append(node)
            iterators.append(iter(node.children))
        elif node.raw:
            parties = groups[-1].parties if groups else ()
            yield Run("text", node.text, parties)


def article_ops(article: ArticleEntry) -> list[DiffOp]:
    """The redline diff of an article's notation against its text at the base point."""
    if article.change == "removed":
        old = article.base_body if article.base_body is not None else article.body
        return [DiffOp("delete", old)] if old else []
    if article.change == "unchanged":
        return [DiffOp("equal", article.body)] if article.body else []
    return diff_text(article.base_body or "", article.body)


def heading_pieces(article: ArticleEntry) -> list[HeadingPiece]:
    """The heading of an article in the redline variant, diffed when it changed."""
    if article.change == "removed":
        return [HeadingPiece(article.base_heading or article.heading, "delete")]
    if article.change == "added":
        return [HeadingPiece(article.heading, "insert")]
    base = article.base_heading
    if base is None or base == article.heading:
        return [HeadingPiece(article.heading)]
    return [HeadingPiece(op.text, op.kind) for op in diff_text(base, article.heading)]


def article_meta(text: ConsolidatedText, article: ArticleEntry) -> str | None:
    """ "Status: Tabled. Proposed by US." under an article heading, in the negotiating variant."""
    if text.variant != "negotiating":
        return None
    meta = f"Status: {article.status_label}."
    return f"{meta} Proposed by {article.proposed_by}." if article.proposed_by else meta


def article_change_note(article: ArticleEntry) -> str | None:
    """ "New article" / "Article removed" in the redline variant, else None."""
    return {"added": ADDED_NOTE, "removed": REMOVED_NOTE}.get(article.change)


def article_minerals_note(article: ArticleEntry) -> str | None:
    """ "Minerals covered: Cobalt added; Nickel removed." for a changed article in the redline
    variant whose minerals changed since the base point, else None.

    None too when either side's minerals are unknown (a version written before they were
    recorded): the redline does not claim a change it cannot know.
    """
    if article.change != "changed" or article.minerals is None or article.base_minerals is None:
        return None
    change = describe_minerals_change(article.base_minerals, article.minerals)
    return f"Minerals covered: {change}." if change else None


def article_notes(article: ArticleEntry) -> list[str]:
    """The notes under an article heading in the redline variant: what happened to the article,
    and what changed in its minerals."""
    return [note for note in (article_change_note(article), article_minerals_note(article)) if note]


# A blank line (possibly holding spaces) separates paragraphs; the whitespace after it belongs
# to the break too, so the next paragraph starts at its first character.
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_PARTY = r"[A-Z][A-Z0-9]{1,7}"
# An escape, an opening bracket with its attribution (if any), or a closing bracket.
_NOTATION_MARK = re.compile(rf"\\[\[\]]|\[(?:({_PARTY}(?:[ \t]*,[ \t]*{_PARTY})*):[ \t]+)?|\]")
_CODE = re.compile(_PARTY)


def redline_paragraphs(ops: Iterable[DiffOp]) -> list[Para]:
    """Split diff operations into paragraphs of runs marked inserted, deleted or equal.

    A paragraph break inside an inserted (deleted) operation ends its paragraph with an inserted
    (deleted) paragraph mark, so accepting every change gives the new text's paragraphs and
    rejecting every change the old one's.
    """
    paragraphs: list[Para] = []
    runs: list[Run] = []
    started = False  # leading whitespace of the body is not a paragraph
    for op in ops:
        pieces = _PARAGRAPH_BREAK.split(op.text)
        for index, piece in enumerate(pieces):
            # An empty paragraph still carries a tracked break: a break deleted and another
            # inserted at the same place are two paragraph marks, not one.
            if index and (runs or (started and op.kind != "equal")):
                paragraphs.append(Para(None, tuple(runs), op.kind))
                runs = []
            if not started:
                piece = piece.lstrip()
            if piece:
                started = True
                runs.extend(notation_runs(piece, op.kind))
    while runs and runs[-1].kind == "text" and not runs[-1].text.strip():
        runs.pop()
    if runs:
        paragraphs.append(Para(None, tuple(runs)))
    return paragraphs


def notation_runs(notation: str, change: Change = "equal") -> Iterator[Run]:
    """Runs for a piece of bracket notation read lexically (marks picked out, not matched)."""
    pending: list[str] = []  # text up to the next mark; escapes join it rather than split it
    position = 0
    for match in _NOTATION_MARK.finditer(notation):
        mark = match.group()
        pending.append(notation[position : match.start()])
        position = match.end()
        if mark[0] == "\\":
            pending.append(mark[1])
            continue
        if any(pending):
            yield Run("text", "".join(pending), change=change)
        pending = []
        if mark == "]":
            yield Run("close", "]", change=change)
        else:
            codes = tuple(_CODE.findall(match.group(1) or ""))
            yield Run("open", "[", codes, change=change)
    pending.append(notation[position:])
    if any(pending):
        yield Run("text", "".join(pending), change=change)


def attribution(parties: tuple[str, ...]) -> str:
    """ "EU, JP:" for an opening bracket's parties ("" when unattributed)."""
    return ", ".join(parties) + ":" if parties else ""


# --- Progress ---------------------------------------------------------------------------------


@dataclass
class Progress:
    """Reports whole percentages to a callback, only when they grow, at most ~100 calls.

    Builders call ``step()`` once per article; the articles map onto ``start``..``end`` so that
    a builder with a long final stage (PDF layout) can keep room after the articles.
    """

    callback: Callable[[int], None] | None
    total: int
    start: int = 0
    end: int = 100
    done: int = 0
    last: int = field(default=-1)

    def __post_init__(self) -> None:
        self.report(self.start)

    def step(self) -> None:
        self.done += 1
        if self.total:
            self.report(self.start + (self.end - self.start) * self.done // self.total)

    def report(self, percent: int) -> None:
        percent = max(0, min(100, percent))
        if self.callback is not None and percent > self.last:
            self.last = percent
            self.callback(percent)

    def finish(self) -> None:
        self.report(100)


def progress_for(
    text: ConsolidatedText,
    callback: Callable[[int], None] | None,
    *,
    end: int = 100,
) -> Progress:
    """A `Progress` over the articles of ``text``."""
    return Progress(callback, sum(len(chapter.articles) for chapter in text.chapters), end=end)


# --- Text hygiene -----------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (C0 controls except tab and newlines, lone surrogates,
# U+FFFE/U+FFFF). They are dropped rather than refused: one pasted control character must not
# make a whole export fail.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot represent."""
    return _XML_INVALID.sub("", value) if _XML_INVALID.search(value) else value


_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def party_colours(text: ConsolidatedText) -> dict[str, str]:
    """Valid ``#rrggbb`` colours by party code; anything else is ignored (it reaches CSS/XML)."""
    return {
        code: colour.lower()
        for code, colour in text.party_colours.items()
        if _CODE.fullmatch(code) and _HEX_COLOUR.fullmatch(colour)
    }


def tint(colour: str, strength: float = 0.25) -> str:
    """A light version of ``#rrggbb`` (mixed with white) that keeps black text readable."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - value) * strength) for value in (red, green, blue))
    return "".join(f"{value:02x}" for value in mixed)
