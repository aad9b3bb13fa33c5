"""Markdown of the consolidated text (CommonMark with GitHub's strikethrough).

Text from the data is escaped so that it renders literally: bracket marks come out as ``\\[``
and ``\\]``, HTML such as ``<script>`` as ``\\<script\\>``, and a line that happens to start
like a list item or a heading stays a paragraph. Front matter carries the metadata as JSON
strings, which are valid YAML scalars whatever the text contains.
"""

from __future__ import annotations

import json
import re
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

CONTENT_TYPE = "text/markdown; charset=utf-8"

# Punctuation that means something inline anywhere on a line; all of it may be backslash-escaped.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|#])")
# What makes a line start a block: list markers, ordered list numbers, setext underlines.
_BLOCK_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as a Markdown file with front matter and a marking header."""
    tracker = progress_for(text, progress)
    out: list[str] = [_front_matter(text), _header(text)]
    for chapter in text.chapters:
        out.append(f"## {escape_line(chapter_title(chapter))}\n\n")
        for article in chapter.articles:
            _article(out, text, article)
            tracker.step()
    out.append(f"---\n\n**{escape_line(text.classification)}**  \n{escape_line(text.marking)}\n")
    tracker.finish()
    return BuiltDocument("".join(out).encode("utf-8"), CONTENT_TYPE, "md")


def escape(value: str) -> str:
    """``value`` as literal inline Markdown text (see `_block_safe` for line starts)."""
    return _INLINE_SPECIAL.sub(r"\\\1", value)


def escape_line(value: str) -> str:
    """``value`` escaped for a heading or label: one line, whitespace collapsed."""
    return escape(" ".join(value.split()))


def _block_safe(markdown: str) -> str:
    """Keep each line of an assembled paragraph from starting a list, heading or code block."""
    # Indentation would make a code block; it carries no meaning in a provision.
    lines = _LEADING_SPACE.sub("", markdown).split("\n")
    return "\n".join(_BLOCK_START.sub(_escape_block_start, line) for line in lines)


def _escape_block_start(match: re.Match[str]) -> str:
    marker = match.group(1)
    # "1." → "1\.", "-" → "\-": only the character that makes the block needs the backslash.
    return marker + "\\" if marker[0].isdigit() else "\\" + marker


def _front_matter(text: ConsolidatedText) -> str:
    fields = {
        "title": text.agreement_title,
        "variant": text.variant,
        "variant_label": text.variant_label,
        "as_of": text.as_of.isoformat(),
        "as_of_label": text.as_of_label,
        "base_label": text.base_label,
        "classification": text.classification,
        "marking": text.marking,
        "export_id": text.export_id,
        "generated_at": text.generated_at.isoformat(),
    }
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _header(text: ConsolidatedText) -> str:
    lines = [
        f"**{escape_line(text.classification)}**\n",
        f"# {escape_line(text.agreement_title)}\n",
        f"**{escape_line(text.variant_label)}**  \n{escape_line(point_in_time(text))}",
    ]
    base = base_point(text)
    if base:
        lines[-1] += f"  \n{escape_line(base)}"
    lines[-1] += "\n"
    lines.append("**Parties:**\n")
    lines.append("".join(f"- {escape_line(party_line(party))}\n" for party in text.parties))
    lines.append(f"*{escape_line(legend(text))}*\n")
    lines.append(f"*{escape_line(text.marking)}*\n")
    return "\n".join(lines) + "\n"


def _article(out: list[str], text: ConsolidatedText, article: ArticleEntry) -> None:
    if text.variant == "redline":
        label = escape_line(article_label(article))
        out.append(f"### {label} {_changes(heading_pieces(article))}\n\n")
        for note in article_notes(article):
            out.append(f"*{escape_line(note)}*\n\n")
    else:
        out.append(f"### {escape_line(article_title(article))}\n\n")
    meta = article_meta(text, article)
    if meta:
        out.append(f"*{escape_line(meta)}*\n\n")
    for paragraph in article_paragraphs(text, article):
        out.append(_paragraph(paragraph))


def _paragraph(paragraph: Para) -> str:
    out: list[str] = []
    if paragraph.number is not None:
        out.append(f"**{escape(paragraph.number)}** ")
    pieces: list[tuple[str, str]] = []  # (change, markdown) merged per change below
    for run in paragraph.runs:
        markdown = _run(run)
        if pieces and pieces[-1][0] == run.change:
            pieces[-1] = (run.change, pieces[-1][1] + markdown)
        else:
            pieces.append((run.change, markdown))
    out += (_mark(change, markdown) for change, markdown in pieces)
    # A newline inside a paragraph is a hard line break ("\" at the end of the line).
    return _block_safe("".join(out)).replace("\n", "\\\n") + "\n\n"


def _run(run: Run) -> str:
    if run.kind == "text":
        return escape(run.text)
    if run.kind == "close":
        return "\\]" if run.text else ""
    label = attribution(run.parties)
    return f"\\[**{escape(label)}** " if label else "\\["


def _changes(pieces: Iterable[HeadingPiece]) -> str:
    return "".join(_mark(piece.change, escape(piece.text.replace("\n", " "))) for piece in pieces)


def _mark(change: str, markdown: str) -> str:
    """Deletions as ~~text~~, insertions as <ins>text</ins>, line by line."""
    if change == "equal" or not markdown:
        return markdown
    return "\n".join(_mark_line(change, line) for line in markdown.split("\n"))


def _mark_line(change: str, line: str) -> str:
    core = line.strip()
    if not core:
        # "~~ ~~" is not strikethrough: a change of whitespace only uses the HTML element.
        tag = "ins" if change == "insert" else "del"
        return f"<{tag}>{line}</{tag}>" if line else line
    lead = line[: len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()) :]
    # Delimiters must touch the text; the surrounding whitespace goes outside them.
    if change == "delete":
        return f"{lead}~~{core}~~{trail}"
    return f"{lead}<ins>{core}</ins>{trail}"
