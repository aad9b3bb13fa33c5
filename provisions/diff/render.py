"""HTML renderings of diff operations: inline, and side by side by paragraph."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .ops import DiffOp

_PARAGRAPH_BREAK_RE = re.compile(r"(\n[^\S\n]*\n\s*)")


def render_inline_html(ops: Iterable[DiffOp]) -> str:
    """Escaped HTML with `<del class="diff-del">` and `<ins class="diff-ins">` around changes.

    Newlines are kept as they are: the caller shows the result in a `white-space: pre-wrap` block.
    """
    return "".join(_op_html(op) for op in ops)


def render_side_by_side(ops: Iterable[DiffOp]) -> list[tuple[str, str]]:
    """Rows of `(old_html, new_html)`, one per paragraph, for a two-column view.

    A row ends at each paragraph break (a blank line) that both sides share, so the columns stay
    aligned; the break itself ends the row's text. The old column shows equal text and deletions,
    the new column equal text and insertions. Joining a column's rows (unescaped, without tags)
    gives that side's text back.
    """
    rows: list[tuple[str, str]] = []
    old_parts: list[str] = []
    new_parts: list[str] = []
    for op in ops:
        if op.kind == "delete":
            old_parts.append(_op_html(op))
            continue
        if op.kind == "insert":
            new_parts.append(_op_html(op))
            continue
        # Only breaks inside equal text are shared by both sides, so only they may end a row.
        pieces = _PARAGRAPH_BREAK_RE.split(op.text)
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            escaped = html.escape(piece, quote=False)
            old_parts.append(escaped)
            new_parts.append(escaped)
            if index % 2 == 1:  # a captured paragraph break
                rows.append(("".join(old_parts), "".join(new_parts)))
                old_parts, new_parts = [], []
    if old_parts or new_parts:
        rows.append(("".join(old_parts), "".join(new_parts)))
    return rows


def _op_html(op: DiffOp) -> str:
    text = html.escape(op.text, quote=False)
    if op.kind == "delete":
        return f'<del class="diff-del">{text}</del>'
    if op.kind == "insert":
        return f'<ins class="diff-ins">{text}</ins>'
    return text
