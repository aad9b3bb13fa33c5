"""Word-level diff of provision texts: operations, statistics and HTML renderings.

Pure logic, no Django. The same operations feed the provision pages, the API (as JSON via
`DiffOp.as_dict`) and redline exports.

How `diff_text` stays within a small factor of git's C word diff without a C extension: it never
walks the equal text in Python. Each change is found as a *hunk*, a pair of character ranges
`(a_start, a_end, b_start, b_end)`; whatever lies between two hunks is equal on both sides.

1. Both texts are cut into clause segments (at `.;:,!?` and newlines) by one regex pass.
   Segments that occur once on each side anchor the alignment (patience diff); equal
   neighbours of anchors join them. Long unaligned stretches are re-anchored on segments unique
   within the stretch.
2. Inside each gap between anchors, segments are paired one to one where the counts agree, and
   the common prefix and suffix of each pair are cut off (found with a big-integer XOR, i.e. in
   C) and snapped outwards to whole words. Most gaps then hold one changed word and are done.
3. A middle that still spans several words is split at spaces (brackets: into tokens) and
   diffed piece by piece: a nearest-resync walk for the usual two or three scattered edits,
   patience anchors on long stretches, and Myers' O(ND) algorithm otherwise. Myers' work is
   capped per call, so two unrelated texts degrade to whole-stretch replacements in bounded
   time instead of running quadratically.
4. A semantic clean-up merges hunks separated by a trivial equality (a lone space, a comma) or by
   a word too few to be worth showing between two rewritten phrases, so a reworded phrase reads
   as one deletion and one insertion rather than a word soup.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

__all__ = [
    "DiffOp",
    "DiffStats",
    "diff_fields",
    "diff_stats",
    "diff_text",
    "new_text",
    "old_text",
    "render_inline_html",
    "render_side_by_side",
    "tokenize",
]

OpKind = Literal["equal", "insert", "delete"]

# A hunk: text a[a_start:a_end] was replaced by b[b_start:b_end]; either range may be empty.
Hunk = tuple[int, int, int, int]

# Word characters also cover combining diacritics, so a decomposed accent never splits a word.
_WORD_CHAR = r"[\w\u0300-\u036f]"
# Compound words ("price-gap", "Party's") are one token: a reviewer reads them as one word.
_WORD = rf"{_WORD_CHAR}+(?:['\u2019-]{_WORD_CHAR}+)*"
_TOKEN_RE = re.compile(rf"\\[\[\]]|{_WORD}|\s+|[^\w\s]")
_WORD_RE = re.compile(_WORD)
# An equality with none of these between two changes is merged into them (see _clean_up).
_KEEP_EQUAL_RE = re.compile(rf"{_WORD_CHAR}|[\n\[\]]")
_SPACE_RE = re.compile(r"\s")
# Diff elements inside a changed stretch: a token with the whitespace before it. (Whitespace
# before rather than after: a stretch ends with a change, and "notify" at its end must still
# match " notify" on the other side.)
_ELEMENT_RE = re.compile(rf"\s*(?:\\[\[\]]|{_WORD}|[^\w\s])|\s+")
# Clause segments for the coarse alignment. The cut points only have to be deterministic, not
# linguistically right; the final segment may be empty, which is harmless.
_SEGMENT_RE = re.compile(r"[^\n.;:,!?]*+(?:[.;:,!?]++[ \t]*+|\n++|\Z)")
_PARAGRAPH_BREAK_RE = re.compile(r"(\n[^\S\n]*\n\s*)")

_WORD_EXTRA = frozenset("_-'\u2019")

# Steps of Myers' algorithm allowed per call and per diff_text call: two unrelated 200 KB texts
# stay well under a second, while ordinary edits use a tiny fraction.
_MYERS_CALL_LIMIT = 200_000
_MYERS_TOTAL_LIMIT = 1_000_000
# Stretches with more cells (n * m) than this are anchored (patience) before Myers runs on them.
_PATIENCE_MIN_CELLS = 4096
# Runs of this many elements are tried in turn as patience anchors.
_ANCHOR_WIDTHS = (1, 4, 16)
# Offsets tried by _resync_hunks after a mismatch, nearest first, replacements before plain
# insertions and deletions of the same size.
_RESYNC_WINDOW = 4
_RESYNC_OFFSETS = sorted(
    (
        (skip_a, skip_b)
        for skip_a in range(_RESYNC_WINDOW + 1)
        for skip_b in range(_RESYNC_WINDOW + 1)
    ),
    key=lambda offset: (offset[0] + offset[1], abs(offset[0] - offset[1]), offset[0]),
)[1:]
# Below this many segments on either side, a gap goes straight to word level.
_SEGMENT_RECURSE_MIN = 32


def tokenize(text: str) -> list[str]:
    """Split `text` into word, whitespace-run and single-punctuation tokens.

    Words are runs of word characters, with internal hyphens and apostrophes kept ("price-gap",
    "Party's"). `[` and `]` are tokens of their own, and so are the escapes `\\[` and `\\]`.
    `"".join(tokenize(text)) == text` always holds.
    """
    return _TOKEN_RE.findall(text)


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One run of text that is equal on both sides, only in the old text or only in the new."""

    kind: OpKind
    text: str

    def as_dict(self) -> dict[str, str]:
        """The JSON shape used by the API: `{"op": kind, "text": text}`."""
        return {"op": self.kind, "text": self.text}


@dataclass(frozen=True, slots=True)
class DiffStats:
    """Counts of whole words inserted and deleted, and whether anything changed at all."""

    words_inserted: int
    words_deleted: int
    changed: bool


def diff_text(old: str, new: str) -> list[DiffOp]:
    """Word-level diff of `old` against `new`.

    Adjacent operations never share a kind; at each change point the deletion comes before the
    insertion. Equal texts give a single equal operation (none when both are empty).
    """
    if old == new:
        return [DiffOp("equal", old)] if old else []
    hunks = _Differ(old, new).hunks()
    return _hunks_to_ops(old, new, _clean_up(old, new, hunks))


def old_text(ops: Iterable[DiffOp]) -> str:
    """The old side of a diff: equal and deleted text."""
    return "".join(op.text for op in ops if op.kind != "insert")


def new_text(ops: Iterable[DiffOp]) -> str:
    """The new side of a diff: equal and inserted text."""
    return "".join(op.text for op in ops if op.kind != "delete")


def diff_stats(ops: Iterable[DiffOp]) -> DiffStats:
    """Words inserted and deleted; `changed` is true when any text was inserted or deleted."""
    inserted = deleted = 0
    changed = False
    for op in ops:
        if op.kind == "insert":
            inserted += len(_WORD_RE.findall(op.text))
            changed = True
        elif op.kind == "delete":
            deleted += len(_WORD_RE.findall(op.text))
            changed = True
    return DiffStats(words_inserted=inserted, words_deleted=deleted, changed=changed)


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


def diff_fields(old: Mapping[str, object], new: Mapping[str, object]) -> list[dict[str, object]]:
    """`[{"field", "old", "new"}]` for every key whose value differs, sorted by field name.

    A key missing on one side counts as `None` there.
    """
    return [
        {"field": key, "old": old.get(key), "new": new.get(key)}
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def _op_html(op: DiffOp) -> str:
    text = html.escape(op.text, quote=False)
    if op.kind == "delete":
        return f'<del class="diff-del">{text}</del>'
    if op.kind == "insert":
        return f'<ins class="diff-ins">{text}</ins>'
    return text


def _hunks_to_ops(a: str, b: str, hunks: list[Hunk]) -> list[DiffOp]:
    ops: list[DiffOp] = []
    append = ops.append
    position = 0
    for a_start, a_end, b_start, b_end in hunks:
        if a_start > position:
            append(_make_op("equal", a[position:a_start]))
        if a_end > a_start:
            append(_make_op("delete", a[a_start:a_end]))
        if b_end > b_start:
            append(_make_op("insert", b[b_start:b_end]))
        position = a_end
    if position < len(a):
        append(_make_op("equal", a[position:]))
    return ops


def _make_op(kind: OpKind, text: str) -> DiffOp:
    """`DiffOp(kind, text)` at a third of the cost, for the thousands a long diff produces.

    A frozen dataclass's __init__ goes through object.__setattr__ per field; writing the slots
    through their descriptors does the same thing without the Python-level call.
    """
    op = _new_op(DiffOp)
    _set_kind(op, kind)
    _set_text(op, text)
    return op


_new_op = object.__new__
_set_kind = DiffOp.kind.__set__  # type: ignore[attr-defined]
_set_text = DiffOp.text.__set__  # type: ignore[attr-defined]


def _clean_up(a: str, b: str, hunks: list[Hunk]) -> list[Hunk]:
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
            if start == end or _KEEP_EQUAL_RE.search(a, start, end) is None:
                equal_words = 0
            else:
                size = end - start
                # Most equalities are far longer than the changes around them: cheap test first.
                if size >= max(left[1] - left[0], left[3] - left[2]) or size >= max(
                    hunk[1] - hunk[0], hunk[3] - hunk[2]
                ):
                    break
                equal_words = len(_WORD_RE.findall(a, start, end))
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
        len(_WORD_RE.findall(a, hunk[0], hunk[1])),
        len(_WORD_RE.findall(b, hunk[2], hunk[3])),
    )


def _glues_tokens(text: str, start: int, end: int) -> bool:
    """Whether a piece between spaces may hold tokens that should diff apart: brackets, lines."""
    return (
        text.find("[", start, end) >= 0
        or text.find("]", start, end) >= 0
        or text.find("\n", start, end) >= 0
    )


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA or "\u0300" <= char <= "\u036f"


class _Differ:
    """Finds the hunks between two texts; one instance per `diff_text` call, holding its budget."""

    def __init__(self, a: str, b: str) -> None:
        self.a = a
        self.b = b
        self.out: list[Hunk] = []
        self.myers_budget = _MYERS_TOTAL_LIMIT

    def hunks(self) -> list[Hunk]:
        self.segments_a = segments_a = _SEGMENT_RE.findall(self.a)
        self.segments_b = segments_b = _SEGMENT_RE.findall(self.b)
        self.starts_a = list(accumulate(map(len, segments_a), initial=0))
        self.starts_b = list(accumulate(map(len, segments_b), initial=0))
        self._align_segments(segments_a, segments_b, 0, len(segments_a), 0, len(segments_b))
        return self.out

    def _align_segments(
        self, seg_a: list[str], seg_b: list[str], alo: int, ahi: int, blo: int, bhi: int
    ) -> None:
        blocks = _matching_blocks(seg_a, seg_b, alo, ahi, blo, bhi)
        i, j = alo, blo
        for block_i, block_j, size in [*blocks, (ahi, bhi, 0)]:
            if block_i > i or block_j > j:
                big = min(block_i - i, block_j - j) >= _SEGMENT_RECURSE_MIN
                if blocks and big:
                    # Segments unique within this stretch may anchor it although they repeat
                    # elsewhere in the text.
                    self._align_segments(seg_a, seg_b, i, block_i, j, block_j)
                else:
                    self._refine_segments(i, block_i, j, block_j)
            i, j = block_i + size, block_j + size

    def _refine_segments(self, i: int, i_end: int, j: int, j_end: int) -> None:
        """Diff a stretch of unaligned segments, pairing them one to one where that fits.

        Two stretches with the same number of segments are usually the same clauses, each with a
        small change: diffing them pair by pair keeps every middle down to one changed word. If
        any pair turns out not to be alike, the stretch is diffed as a whole instead.
        """
        starts_a, starts_b = self.starts_a, self.starts_b
        seg_a, seg_b = self.segments_a, self.segments_b
        count = i_end - i
        if count == j_end - j:
            middles = []
            for offset in range(count):
                x, y = seg_a[i + offset], seg_b[j + offset]
                if x == y:
                    continue  # a repeated clause: no anchor, but unchanged
                prefix, suffix = _trim_lengths(x, y)
                # Alike: the common ends cover at least half of each segment.
                if count > 1 and 2 * (prefix + suffix) < max(len(x), len(y)):
                    break
                a_start, b_start = starts_a[i + offset], starts_b[j + offset]
                middles.append(
                    (
                        a_start + prefix,
                        a_start + len(x) - suffix,
                        b_start + prefix,
                        b_start + len(y) - suffix,
                    )
                )
            else:
                for middle in middles:
                    self._diff_middle(*middle)
                return
        self._diff_middle(*self._trim(starts_a[i], starts_a[i_end], starts_b[j], starts_b[j_end]))

    def _trim(self, a_start: int, a_end: int, b_start: int, b_end: int) -> Hunk:
        """Cut the common prefix and suffix off a stretch, keeping whole words on both ends."""
        prefix, suffix = _trim_lengths(self.a[a_start:a_end], self.b[b_start:b_end])
        return (a_start + prefix, a_end - suffix, b_start + prefix, b_end - suffix)

    def _diff_middle(self, a_start: int, a_end: int, b_start: int, b_end: int) -> None:
        """Record what differs in a trimmed stretch; only several words need a token diff."""
        a, b = self.a, self.b
        if a_start == a_end or b_start == b_end:
            if a_start < a_end or b_start < b_end:
                self.out.append((a_start, a_end, b_start, b_end))
        elif _SPACE_RE.search(a, a_start, a_end) or _SPACE_RE.search(b, b_start, b_end):
            self._diff_words(a_start, a_end, b_start, b_end)
        else:
            # A single word against a single word: nothing finer to find.
            self.out.append((a_start, a_end, b_start, b_end))

    def _diff_words(self, a_start: int, a_end: int, b_start: int, b_end: int) -> None:
        """Diff a trimmed stretch of several words on the pieces between single spaces.

        A C-level split is several times cheaper than a regex tokenizer, and with one space
        between pieces, equal pieces are equal text. Each changed pair is then trimmed to the
        characters that differ ("12," against "13,"), or, where brackets or line breaks glue
        tokens together ("shall][EU:", "law.\n\nThe"), diffed again token by token.
        """
        a, b = self.a, self.b
        units_a = a[a_start:a_end].split(" ")
        units_b = b[b_start:b_end].split(" ")
        found: list[Hunk] = []
        self._diff_sequences(units_a, units_b, 0, len(units_a), 0, len(units_b), found)
        # Unit i starts after the lengths of the units before it plus one space per unit.
        ends_a = list(accumulate(map(len, units_a), initial=a_start))
        ends_b = list(accumulate(map(len, units_b), initial=b_start))
        count_a, count_b = len(units_a), len(units_b)
        for i1, i2, j1, j2 in found:
            if i1 == i2:  # insertion: with the space after it, or before it at the very end
                if j2 < count_b:
                    hunk = (ends_a[i1] + i1, ends_a[i1] + i1, ends_b[j1] + j1, ends_b[j2] + j2)
                else:
                    hunk = (a_end, a_end, ends_b[j1] + j1 - 1, b_end)
            elif j1 == j2:
                if i2 < count_a:
                    hunk = (ends_a[i1] + i1, ends_a[i2] + i2, ends_b[j1] + j1, ends_b[j1] + j1)
                else:
                    hunk = (ends_a[i1] + i1 - 1, a_end, b_end, b_end)
            else:
                x1, x2 = ends_a[i1] + i1, ends_a[i2] + i2 - 1
                y1, y2 = ends_b[j1] + j1, ends_b[j2] + j2 - 1
                if _glues_tokens(a, x1, x2) or _glues_tokens(b, y1, y2):
                    self._diff_elements(x1, x2, y1, y2)
                    continue
                hunk = (x1, x2, y1, y2)
                # Empty pieces (from double spaces) make empty spans: nothing there to trim.
                if x1 < x2 and y1 < y2 and (a[x1] == b[y1] or a[x2 - 1] == b[y2 - 1]):
                    hunk = self._trim(x1, x2, y1, y2)
            self.out.append(hunk)

    def _diff_elements(self, a_start: int, a_end: int, b_start: int, b_end: int) -> None:
        """Diff a stretch token by token, for changes among brackets or other punctuation.

        Each element is a token with the whitespace before it, so the walk takes about one step
        per word instead of two, and equal elements are equal text. A change keeps its leading
        whitespace only where that whitespace differs too.
        """
        elements_a = _ELEMENT_RE.findall(self.a, a_start, a_end)
        elements_b = _ELEMENT_RE.findall(self.b, b_start, b_end)
        found: list[Hunk] = []
        self._diff_sequences(elements_a, elements_b, 0, len(elements_a), 0, len(elements_b), found)
        if not found:
            return
        offsets_a = list(accumulate(map(len, elements_a), initial=a_start))
        offsets_b = list(accumulate(map(len, elements_b), initial=b_start))
        for i1, i2, j1, j2 in found:
            x1, x2, y1, y2 = offsets_a[i1], offsets_a[i2], offsets_b[j1], offsets_b[j2]
            if i1 < i2 and j1 < j2:
                first_a, first_b = elements_a[i1], elements_b[j1]
                token_a, token_b = first_a.lstrip(), first_b.lstrip()
                space = len(first_a) - len(token_a)
                if first_a[:space] == first_b[: len(first_b) - len(token_b)]:
                    x1 += space
                    y1 += space
                elif (
                    token_a == token_b or elements_a[i2 - 1].lstrip() == elements_b[j2 - 1].lstrip()
                ):
                    x1, x2, y1, y2 = self._trim(x1, x2, y1, y2)  # only whitespace differs
            self.out.append((x1, x2, y1, y2))

    def _diff_sequences(
        self,
        seq_a: Sequence[str],
        seq_b: Sequence[str],
        alo: int,
        ahi: int,
        blo: int,
        bhi: int,
        out: list[Hunk],
    ) -> None:
        """Hunks of element indices: patience anchors first on long stretches, Myers in between."""
        while alo < ahi and blo < bhi and seq_a[alo] == seq_b[blo]:
            alo += 1
            blo += 1
        while alo < ahi and blo < bhi and seq_a[ahi - 1] == seq_b[bhi - 1]:
            ahi -= 1
            bhi -= 1
        if alo == ahi or blo == bhi:
            if alo < ahi or blo < bhi:
                out.append((alo, ahi, blo, bhi))
            return
        if (ahi - alo) * (bhi - blo) > _PATIENCE_MIN_CELLS:
            blocks = _matching_blocks(seq_a, seq_b, alo, ahi, blo, bhi)
            if blocks:
                i, j = alo, blo
                for block_i, block_j, size in blocks:
                    self._diff_sequences(seq_a, seq_b, i, block_i, j, block_j, out)
                    i, j = block_i + size, block_j + size
                self._diff_sequences(seq_a, seq_b, i, ahi, j, bhi, out)
                return
        if (ahi - alo) * (bhi - blo) <= _PATIENCE_MIN_CELLS:
            found = _resync_hunks(seq_a, seq_b, alo, ahi, blo, bhi)
            if found is not None:
                out.extend(found)
                return
        found = self._myers(seq_a[alo:ahi], seq_b[blo:bhi])
        if found is None:
            out.append((alo, ahi, blo, bhi))
        else:
            out.extend((alo + i1, alo + i2, blo + j1, blo + j2) for i1, i2, j1, j2 in found)

    def _myers(self, seq_a: Sequence[str], seq_b: Sequence[str]) -> list[Hunk] | None:
        """Minimal edit script (Myers 1986) as hunks, or None once the work budget runs out."""
        n, m = len(seq_a), len(seq_b)
        limit = min(_MYERS_CALL_LIMIT, self.myers_budget)
        offset = n + m + 1
        frontier = [0] * (2 * offset + 1)
        trace: list[list[int]] = []
        work = 0
        for d in range(n + m + 1):
            # Keep only the diagonals -d-1..d+1 that backtracking at this depth will read.
            trace.append(frontier[offset - d - 1 : offset + d + 2])
            work += d + 1
            for k in range(-d, d + 1, 2):
                if k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1]):
                    x = frontier[offset + k + 1]
                else:
                    x = frontier[offset + k - 1] + 1
                y = x - k
                start = x
                while x < n and y < m and seq_a[x] == seq_b[y]:
                    x += 1
                    y += 1
                work += x - start
                frontier[offset + k] = x
                if x >= n and y >= m:
                    self.myers_budget -= work
                    return _backtrack(trace, n, m)
            if work > limit:
                self.myers_budget -= work
                return None
        raise AssertionError("unreachable: Myers always ends by d = n + m")


def _resync_hunks(
    seq_a: Sequence[str], seq_b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[Hunk] | None:
    """Hunks for a short stretch of sparse changes, or None to leave it to Myers.

    Walks both sides; at each mismatch it takes the nearest offsets (fewest skipped elements,
    replacements before plain insertions or deletions) where the two sides agree again. For a
    clause with two or three scattered edits that is the script Myers would find, at the cost of
    a few compares instead of Myers' quadratic number of steps; when no such point lies within
    the window, Myers decides.
    """
    hunks: list[Hunk] = []
    i, j = alo, blo
    while i < ahi and j < bhi:
        if seq_a[i] == seq_b[j]:
            i += 1
            j += 1
            continue
        for skip_a, skip_b in _RESYNC_OFFSETS:
            x, y = i + skip_a, j + skip_b
            if x >= ahi or y >= bhi:
                if x == ahi and y == bhi:
                    break  # the rest of both sides is one change
                continue
            if seq_a[x] == seq_b[y]:
                break
        else:
            return None
        hunks.append((i, x, j, y))
        i, j = x, y
    if i < ahi or j < bhi:
        hunks.append((i, ahi, j, bhi))
    return hunks


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[Hunk]:
    """Walk Myers' trace back from (n, m) and group the edits between diagonals into hunks."""
    hunks: list[Hunk] = []
    x, y = n, m
    end_x, end_y = n, m  # end of the hunk being collected, reached by walking backwards
    for d in range(len(trace) - 1, 0, -1):
        frontier = trace[d]  # frontier[k + d + 1] is the furthest x on diagonal k after d - 1
        k = x - y
        came_down = k == -d or (k != d and frontier[k + d] < frontier[k + d + 2])
        prev_k = k + 1 if came_down else k - 1
        prev_x = frontier[prev_k + d + 1]
        prev_y = prev_x - prev_k
        # The snake from after the edit up to (x, y) is equal text: it closes the current hunk.
        edit_x, edit_y = (prev_x, prev_y + 1) if came_down else (prev_x + 1, prev_y)
        snake = x - edit_x
        if snake > 0:
            if (end_x, end_y) != (x, y):
                hunks.append((x, end_x, y, end_y))
            end_x, end_y = edit_x, edit_y
        x, y = prev_x, prev_y
    if (end_x, end_y) != (x, y):
        hunks.append((x, end_x, y, end_y))
    hunks.reverse()
    return hunks


def _matching_blocks(
    seq_a: Sequence[str], seq_b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int, int]]:
    """Equal runs `(i, j, size)` in order, grown from elements unique on both sides (patience).

    When no single element is unique, runs of a few elements are tried. Returns nothing when
    nothing is unique on both sides of the given ranges.
    """
    anchors: list[tuple[int, int]] = []
    for width in _ANCHOR_WIDTHS:
        if width > 1 and (ahi - alo) * (bhi - blo) <= _PATIENCE_MIN_CELLS:
            break  # small enough for Myers as it is
        anchors = _unique_anchors(seq_a, seq_b, alo, ahi, blo, bhi, width)
        if anchors:
            break
    if not anchors:
        return []
    targets = [j for _, j in anchors]
    if targets != sorted(targets):  # moved text: keep the longest chain that keeps order
        anchors = _longest_increasing(anchors)
    blocks: list[tuple[int, int, int]] = []
    done_a, done_b = alo, blo
    for anchor_i, anchor_j in anchors:
        if anchor_i < done_a or anchor_j < done_b:
            continue  # already inside the run grown from the previous anchor
        i, j = anchor_i, anchor_j
        while i > done_a and j > done_b and seq_a[i - 1] == seq_b[j - 1]:
            i -= 1
            j -= 1
        end_i, end_j = anchor_i + 1, anchor_j + 1
        while end_i < ahi and end_j < bhi and seq_a[end_i] == seq_b[end_j]:
            end_i += 1
            end_j += 1
        blocks.append((i, j, end_i - i))
        done_a, done_b = end_i, end_j
    return blocks


def _unique_anchors(
    seq_a: Sequence[Hashable],
    seq_b: Sequence[Hashable],
    alo: int,
    ahi: int,
    blo: int,
    bhi: int,
    width: int,
) -> list[tuple[int, int]]:
    """Start pairs `(i, j)` of runs of `width` elements that occur once in each range."""
    if width == 1:
        part_a: Sequence[Hashable] = seq_a[alo:ahi]
        part_b: Sequence[Hashable] = seq_b[blo:bhi]
    else:
        # With a small vocabulary no single element is unique, but a run of several usually is.
        part_a = list(zip(*(seq_a[alo + shift : ahi] for shift in range(width)), strict=False))
        part_b = list(zip(*(seq_b[blo + shift : bhi] for shift in range(width)), strict=False))
    count_b = Counter(part_b)
    unique = {item for item, count in Counter(part_a).items() if count == 1 and count_b[item] == 1}
    if not unique:
        return []
    position_b = {item: j for j, item in enumerate(part_b, blo) if item in unique}
    return [(i, position_b[item]) for i, item in enumerate(part_a, alo) if item in unique]


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest subsequence of `pairs` (sorted by first item) whose second items increase."""
    tails: list[int] = []  # tails[n]: smallest last j of an increasing chain of length n + 1
    tail_index: list[int] = []
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[length] = j
            tail_index[length] = index
        previous.append(tail_index[length - 1] if length else -1)
    chain: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(pairs[index])
        index = previous[index]
    chain.reverse()
    return chain


def _trim_lengths(x: str, y: str) -> tuple[int, int]:
    """Lengths of the common prefix and suffix of `x` and `y`, snapped to whole words.

    They never overlap. This runs at least once per change, so it takes no Python step per
    character: both strings become big integers with one fixed-width code unit per character,
    and the lowest set bit of their XOR marks the first character that differs.
    """
    shorter = len(x) if len(x) < len(y) else len(y)
    if not shorter:
        return 0, 0
    if x.isascii() and y.isascii():
        bytes_x, bytes_y, unit_bits = x.encode("ascii"), y.encode("ascii"), 3
    else:
        bytes_x, bytes_y, unit_bits = x.encode("utf-32-le"), y.encode("utf-32-le"), 5
    unit = 1 << (unit_bits - 3)
    prefix = 0
    if x[0] == y[0]:
        size = shorter * unit
        difference = int.from_bytes(bytes_x[:size], "little") ^ int.from_bytes(
            bytes_y[:size], "little"
        )
        # Little-endian: the first characters are the low bits.
        low_bit = (difference & -difference).bit_length() - 1
        prefix = low_bit >> unit_bits if difference else shorter
        last = x[prefix - 1]
        if last == "\\" or _is_word_char(last):
            prefix = _snap_prefix(x, y, prefix)
    rest = shorter - prefix
    suffix = 0
    if rest and x[-1] == y[-1]:
        size = rest * unit
        difference = int.from_bytes(bytes_x[len(bytes_x) - size :], "big") ^ int.from_bytes(
            bytes_y[len(bytes_y) - size :], "big"
        )
        low_bit = (difference & -difference).bit_length() - 1
        suffix = low_bit >> unit_bits if difference else rest
        first = x[len(x) - suffix]
        if first in "[]" or _is_word_char(first):
            suffix = _snap_suffix(x, y, suffix)
    return prefix, suffix


def _snap_prefix(x: str, y: str, prefix: int) -> int:
    """Shorten a common prefix that ends inside a word (or an escape) to the word's start."""
    if x[prefix - 1] == "\\":
        return prefix - 1
    next_x = x[prefix] if prefix < len(x) else " "
    next_y = y[prefix] if prefix < len(y) else " "
    if not (_is_word_char(next_x) or _is_word_char(next_y)):
        return prefix
    while prefix and _is_word_char(x[prefix - 1]):
        prefix -= 1
    return prefix


def _snap_suffix(x: str, y: str, suffix: int) -> int:
    """Shorten a common suffix that starts inside a word (or an escape) to the word's end."""
    start_x, start_y = len(x) - suffix, len(y) - suffix
    before_x = x[start_x - 1] if start_x else " "
    before_y = y[start_y - 1] if start_y else " "
    if x[start_x] in "[]" and "\\" in (before_x, before_y):
        return suffix - 1
    if not (_is_word_char(before_x) or _is_word_char(before_y)):
        return suffix
    while suffix and _is_word_char(x[len(x) - suffix]):
        suffix -= 1
    return suffix
