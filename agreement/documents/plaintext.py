"""Plain text of the consolidated text, wrapped at 80 columns, headings underlined.

Provision text is written in bracket notation (``[US: shall]``, with ``\\[`` for a literal
bracket) so that a plain-text copy says exactly what the other formats say. The redline variant
marks changes CriticMarkup-style: ``{++inserted++}`` and ``{--deleted--}``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable

from .model import ArticleEntry, ConsolidatedText
from .rendering import (
    BuiltDocument,
    HeadingPiece,
    Para,
    Run,
    article_label,
    article_meta,
    article_notes,
    article_paragraphs,
    article_title,
    attribution,
    base_point,
    chapter_title,
    heading_pieces,
    legend,
    party_line,
    point_in_time,
    progress_for,
)

CONTENT_TYPE = "text/plain; charset=utf-8"
WIDTH = 80

_MARKS = {"insert": ("{++", "++}"), "delete": ("{--", "--}")}
_LITERAL_BRACKETS = str.maketrans({"[": "\\[", "]": "\\]"})


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as UTF-8 plain text."""
    tracker = progress_for(text, progress)
    out: list[str] = [_header(text)]
    for chapter in text.chapters:
        out.append(_underlined(chapter_title(chapter), "="))
        for article in chapter.articles:
            _article(out, text, article)
            tracker.step()
    out.append("-" * WIDTH + "\n" + _wrap(text.classification) + _wrap(text.marking))
    tracker.finish()
    return BuiltDocument("".join(out).encode("utf-8"), CONTENT_TYPE, "txt")


def _header(text: ConsolidatedText) -> str:
    out = [_wrap(text.classification), "\n", _underlined(text.agreement_title, "#")]
    out += [_wrap(text.variant_label), _wrap(point_in_time(text))]
    base = base_point(text)
    if base:
        out.append(_wrap(base))
    out.append("\nParties:\n")
    out += [_wrap(party_line(party), indent="  ") for party in text.parties]
    changes = "Insertions are shown as {++text++}, deletions as {--text--}."
    notation = " A backslash before a bracket, as in \\[, makes it a literal bracket."
    out += ["\n", _wrap(legend(text, changes) + notation), "\n", _wrap(text.marking)]
    out.append("-" * WIDTH + "\n\n")
    return "".join(out)


def _article(out: list[str], text: ConsolidatedText, article: ArticleEntry) -> None:
    if text.variant == "redline":
        title = f"{article_label(article)} {_changes(heading_pieces(article))}"
    else:
        title = article_title(article)
    out.append(_underlined(title, "-"))
    notes = article_notes(article) if text.variant == "redline" else []
    for line in (*notes, article_meta(text, article)):
        if line:
            out.append(_wrap(f"({line})") + "\n")
    for paragraph in article_paragraphs(text, article):
        out.append(_paragraph(paragraph) + "\n")


def _paragraph(paragraph: Para) -> str:
    body = _runs(paragraph.runs)
    if paragraph.number is None:
        return "".join(_wrap(line) for line in body.split("\n"))
    prefix = paragraph.number + " "
    lines = body.split("\n")
    # A hanging indent keeps the paragraph number visible at the margin.
    hanging = " " * min(len(prefix), 8)
    first = _wrap(prefix + lines[0], subsequent=hanging)
    return first + "".join(_wrap(line, indent=hanging) for line in lines[1:])


def _runs(runs: Iterable[Run]) -> str:
    """Runs as bracket notation, with change marks where the change kind switches."""
    out: list[str] = []
    current = "equal"
    for run in runs:
        if run.change != current:
            if current != "equal":
                out.append(_MARKS[current][1])
            if run.change != "equal":
                out.append(_MARKS[run.change][0])
            current = run.change
        if run.kind == "text":
            out.append(run.text.translate(_LITERAL_BRACKETS))
        elif run.kind == "close":
            out.append(run.text)
        else:
            label = attribution(run.parties)
            out.append(f"[{label} " if label else "[")
    if current != "equal":
        out.append(_MARKS[current][1])
    return "".join(out)


def _changes(pieces: Iterable[HeadingPiece]) -> str:
    out = []
    for piece in pieces:
        if piece.change == "equal":
            out.append(piece.text)
        else:
            start, end = _MARKS[piece.change]
            out.append(f"{start}{piece.text}{end}")
    return "".join(out)


def _underlined(title: str, character: str) -> str:
    wrapped = _wrap(title)
    longest = max(len(line) for line in wrapped.splitlines())
    return f"{wrapped}{character * longest}\n\n"


def _wrap(value: str, *, indent: str = "", subsequent: str | None = None) -> str:
    """``value`` wrapped at `WIDTH`, newline-terminated (an empty line for empty text)."""
    if not value.strip():
        return "\n"
    lines = textwrap.wrap(
        value,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if subsequent is None else subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(lines) + "\n"
