"""From hunks to operations: merging changes not worth showing apart, then slicing the texts."""

from __future__ import annotations

from .ops import DiffOp, make_op
from .sequences import Hunk
from .words import KEEP_EQUAL_RE, WORD_RE


def clean_up(a: str, b: str, hunks: list[Hunk]) -> list[Hunk]:
    """Merge neighbouring hunks whose equality in between is not worth showing.

    An equality goes when it is empty, when it holds no word, line break or bracket (" ", ", "),
    or when it is shorter than the changes on both sides and has fewer words than each side of
    either replacement (a lone "the" between two rewritten phrases). Words kept next to a plain
    insertion or deletion always stay visible. A merged hunk is checked again against its
    predecessor, so a run of such equalities collapses into one change.
    """
    merged: list[Hunk] = []
    # Words on each side of merged[n], counted only when needed and then carried through merges,
    # so collapsing a long run of equalities never recounts the same text.
    words: list[tuple[int, int] | None] = []
    for hunk in hunks:
        hunk_words: tuple[int, int] | None = None
        while merged:
            left = merged[-1]
            start, end = left[1], hunk[0]
            if start == end or KEEP_EQUAL_RE.search(a, start, end) is None:
                equal_words = 0
            else:
                size = end - start
                # Most equalities are far longer than the changes around them: cheap test first.
                if size >= max(left[1] - left[0], left[3] - left[2]) or size >= max(
                    hunk[1] - hunk[0], hunk[3] - hunk[2]
                ):
                    break
                equal_words = len(WORD_RE.findall(a, start, end))
                if words[-1] is None:
                    words[-1] = _count_words(a, b, left)
                if hunk_words is None:
                    hunk_words = _count_words(a, b, hunk)
                if not (equal_words < min(words[-1]) and equal_words < min(hunk_words)):
                    break
            left_words = words.pop()
            merged.pop()
            if left_words is not None and hunk_words is not None:
                hunk_words = (
                    left_words[0] + equal_words + hunk_words[0],
                    left_words[1] + equal_words + hunk_words[1],
                )
            else:
                hunk_words = None
            hunk = (left[0], hunk[1], left[2], hunk[3])
        merged.append(hunk)
        words.append(hunk_words)
    return merged


def _count_words(a: str, b: str, hunk: Hunk) -> tuple[int, int]:
    return (
        len(WORD_RE.findall(a, hunk[0], hunk[1])),
        len(WORD_RE.findall(b, hunk[2], hunk[3])),
    )


def hunks_to_ops(a: str, b: str, hunks: list[Hunk]) -> list[DiffOp]:
    """The operations for `a` against `b`: the hunks, and equal text in the gaps between them."""
    ops: list[DiffOp] = []
    append = ops.append
    position = 0
    for a_start, a_end, b_start, b_end in hunks:
        if a_start > position:
            append(make_op("equal", a[position:a_start]))
        if a_end > a_start:
            append(make_op("delete", a[a_start:a_end]))
        if b_end > b_start:
            append(make_op("insert", b[b_start:b_end]))
        position = a_end
    if position < len(a):
        append(make_op("equal", a[position:]))
    return ops
