"""Word-level diff of provision texts: operations, statistics and HTML renderings.

Pure logic, no Django. The same operations feed the provision pages, the API (as JSON via
`DiffOp.as_dict`) and redline exports.

How `diff_text` stays fast on long texts without a C extension: it never tokenizes the texts
whole. Each change is found as a *hunk*, a pair of character ranges `(a_start, a_end, b_start,
b_end)`; whatever lies between two hunks is equal on both sides.

1. Both texts are cut into clause segments (at `.;:,!?` and newlines) with one regex pass.
   Segments that occur exactly once on each side anchor the alignment (patience diff); equal
   neighbours of anchors join them. Long unaligned stretches are re-anchored on segments unique
   within the stretch.
2. Inside each remaining gap, the common character prefix and suffix are cut off by binary search
   on string slices (C-speed compares), snapped outwards to whole words. Most gaps then hold one
   changed word and are done.
3. Only a middle that still spans several words is tokenized and diffed token by token: patience
   anchors on unique tokens, then Myers' O(ND) algorithm on the small stretches between anchors.
   Myers work is capped overall, so a pair of unrelated texts degrades to whole-stretch
   replacements in bounded time instead of running quadratically.
4. A semantic clean-up merges hunks separated by a trivial equality (a lone space, a comma) or by
   an equality too small to be worth showing between larger changes, so a reworded phrase reads
   as one deletion and one insertion rather than a word soup.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import ne
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
_WORD_OR_NEWLINE_RE = re.compile(rf"{_WORD_CHAR}|\n")
_SPACE_RE = re.compile(r"\s")
_UNIT_RE = re.compile(r"\S+\s*|\s+")
# Clause segments for the coarse alignment. The cut points only have to be deterministic, not
# linguistically right; the final segment may be empty, which is harmless.
_SEGMENT_RE = re.compile(r"[^\n.;:,!?]*(?:[.;:,!?]+[ \t]*|\n+|\Z)")
_PARAGRAPH_BREAK_RE = re.compile(r"(\n[^\S\n]*\n\s*)")

_WORD_EXTRA = frozenset("_-'\u2019")

# Myers' inner loop runs at most this many times per call and in total per diff_text call. The
# total keeps two unrelated 200 KB texts to about a second; ordinary edits use a tiny fraction.
_MYERS_CALL_LIMIT = 250_000
_MYERS_TOTAL_LIMIT = 2_000_000
# Common ends up to this long are found by a linear scan in C, longer ones by binary search.
_SCAN_LIMIT = 512
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


def render_side_by_side(ops: Sequence[DiffOp]) -> list[tuple[str, str]]:
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
            append(DiffOp("equal", a[position:a_start]))
        if a_end > a_start:
            append(DiffOp("delete", a[a_start:a_end]))
        if b_end > b_start:
            append(DiffOp("insert", b[b_start:b_end]))
        position = a_end
    if position < len(a):
        append(DiffOp("equal", a[position:]))
    return ops


def _clean_up(a: str, b: str, hunks: list[Hunk]) -> list[Hunk]:
    """Merge neighbouring hunks whose equality in between is not worth showing.

    An equality goes when it is empty, when it holds neither a word nor a line break (" ", ", "),
    or when it is shorter than the changes on both sides and has fewer words than either of them
    (a lone "the" between two rewritten phrases). A merged hunk is checked again against its
    predecessor, so a run of such equalities collapses into one change.
    """
    merged: list[Hunk] = []
    for hunk in hunks:
        while merged:
            previous = merged[-1]
            if not _absorbable(a, b, previous, hunk):
                break
            merged.pop()
            hunk = (previous[0], hunk[1], previous[2], hunk[3])
        merged.append(hunk)
    return merged


def _absorbable(a: str, b: str, left: Hunk, right: Hunk) -> bool:
    start, end = left[1], right[0]
    if start == end or _WORD_OR_NEWLINE_RE.search(a, start, end) is None:
        return True
    size = end - start
    # Cheap length test first: most equalities are far longer than the changes around them.
    if size >= max(left[1] - left[0], left[3] - left[2]) or size >= max(
        right[1] - right[0], right[3] - right[2]
    ):
        return False
    words = len(_WORD_RE.findall(a, start, end))
    return words < _hunk_words(a, b, left) and words < _hunk_words(a, b, right)


def _hunk_words(a: str, b: str, hunk: Hunk) -> int:
    return max(
        len(_WORD_RE.findall(a, hunk[0], hunk[1])), len(_WORD_RE.findall(b, hunk[2], hunk[3]))
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
        segments_a = _SEGMENT_RE.findall(self.a)
        segments_b = _SEGMENT_RE.findall(self.b)
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
        if i_end - i == j_end - j > 1:
            middles = []
            for offset in range(i_end - i):
                a_start, a_end = starts_a[i + offset], starts_a[i + offset + 1]
                b_start, b_end = starts_b[j + offset], starts_b[j + offset + 1]
                middle = self._trim(a_start, a_end, b_start, b_end)
                # Alike: the common ends cover at least half of each segment.
                if (
                    2 * (middle[1] - middle[0]) > a_end - a_start
                    or 2 * (middle[3] - middle[2]) > b_end - b_start
                ):
                    break
                middles.append(middle)
            else:
                for middle in middles:
                    self._diff_middle(*middle)
                return
        self._diff_middle(*self._trim(starts_a[i], starts_a[i_end], starts_b[j], starts_b[j_end]))

    def _trim(self, a_start: int, a_end: int, b_start: int, b_end: int) -> Hunk:
        """Cut the common prefix and suffix off a stretch, keeping whole words on both ends."""
        a, b = self.a, self.b
        shorter = min(a_end - a_start, b_end - b_start)
        prefix = _common_prefix(a, a_start, b, b_start, shorter)
        prefix = _snap_prefix(a, a_start, a_end, b, b_start, b_end, prefix)
        suffix = _common_suffix(a, a_end, b, b_end, shorter - prefix)
        suffix = _snap_suffix(a, a_start, a_end, b, b_start, b_end, suffix)
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
        """Diff a trimmed stretch of several words on whole words, then trim each change.

        Units are a word with the whitespace after it, so equal units are equal text and Myers
        walks half as many elements as with tokens. A changed unit pair such as "shall]" and
        "should]" is trimmed once more to the tokens that differ.
        """
        a, b = self.a, self.b
        units_a = _UNIT_RE.findall(a, a_start, a_end)
        units_b = _UNIT_RE.findall(b, b_start, b_end)
        offsets_a = list(accumulate(map(len, units_a), initial=a_start))
        offsets_b = list(accumulate(map(len, units_b), initial=b_start))
        found: list[Hunk] = []
        self._diff_sequences(units_a, units_b, 0, len(units_a), 0, len(units_b), found)
        for i1, i2, j1, j2 in found:
            x1, x2, y1, y2 = offsets_a[i1], offsets_a[i2], offsets_b[j1], offsets_b[j2]
            if x1 < x2 and y1 < y2 and (a[x1] == b[y1] or a[x2 - 1] == b[y2 - 1]):
                x1, x2, y1, y2 = self._trim(x1, x2, y1, y2)
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
        if (ahi - alo) * (bhi - blo) > 4096:
            blocks = _matching_blocks(seq_a, seq_b, alo, ahi, blo, bhi)
            if blocks:
                i, j = alo, blo
                for block_i, block_j, size in blocks:
                    self._diff_sequences(seq_a, seq_b, i, block_i, j, block_j, out)
                    i, j = block_i + size, block_j + size
                self._diff_sequences(seq_a, seq_b, i, ahi, j, bhi, out)
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


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[Hunk]:
    """Walk Myers' trace back from (n, m) and group the edits between diagonals into hunks."""
    hunks: list[Hunk] = []
    x, y = n, m
    end_x, end_y = n, m  # end of the hunk being collected, reached by walking backwards
    for d in range(len(trace) - 1, 0, -1):
        frontier = trace[d]  # frontier[k + d + 1] is the furthest x on diagonal k after d - 1
        k = x - y
        if k == -d or (k != d and frontier[k - 1 + d + 1] < frontier[k + 1 + d + 1]):
            prev_k = k + 1
        else:
            prev_k = k - 1
        prev_x = frontier[prev_k + d + 1]
        prev_y = prev_x - prev_k
        # The snake from after the edit up to (x, y) is equal text: it closes the current hunk.
        edit_x, edit_y = (prev_x, prev_y + 1) if prev_k == k + 1 else (prev_x + 1, prev_y)
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

    Returns nothing when no element is unique on both sides of the given ranges.
    """
    part_a = seq_a[alo:ahi]
    part_b = seq_b[blo:bhi]
    count_b = Counter(part_b)
    unique = {item for item, count in Counter(part_a).items() if count == 1 and count_b[item] == 1}
    if not unique:
        return []
    position_b = {item: j for j, item in enumerate(part_b, blo) if item in unique}
    anchors = [(i, position_b[item]) for i, item in enumerate(part_a, alo) if item in unique]
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


def _common_prefix(a: str, a_start: int, b: str, b_start: int, limit: int) -> int:
    """Length of the common prefix of a[a_start:] and b[b_start:], at most `limit`."""
    if limit <= 0 or a[a_start] != b[b_start]:
        return 0
    if limit > _SCAN_LIMIT:
        return _common_prefix_long(a, a_start, b, b_start, limit)
    # The first mismatch, found by iterators that run in C: no Python step per character.
    pairs = map(ne, a[a_start : a_start + limit], b[b_start : b_start + limit])
    return next(compress(count(), pairs), limit)


def _common_prefix_long(a: str, a_start: int, b: str, b_start: int, limit: int) -> int:
    # Binary search over slice compares: a long equal run costs a few memcmp calls.
    if a.startswith(b[b_start : b_start + limit], a_start):
        return limit
    low, high = 1, limit - 1  # a prefix of `low` is known equal, one of `high + 1` is not
    while low < high:
        middle = (low + high + 1) // 2
        if a.startswith(b[b_start : b_start + middle], a_start):
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, a_end: int, b: str, b_end: int, limit: int) -> int:
    """Length of the common suffix of a[:a_end] and b[:b_end], at most `limit`."""
    if limit <= 0 or a[a_end - 1] != b[b_end - 1]:
        return 0
    if limit > _SCAN_LIMIT:
        return _common_suffix_long(a, a_end, b, b_end, limit)
    pairs = map(ne, a[a_end - limit : a_end][::-1], b[b_end - limit : b_end][::-1])
    return next(compress(count(), pairs), limit)


def _common_suffix_long(a: str, a_end: int, b: str, b_end: int, limit: int) -> int:
    if a.endswith(b[b_end - limit : b_end], 0, a_end):
        return limit
    low, high = 1, limit - 1
    while low < high:
        middle = (low + high + 1) // 2
        if a.endswith(b[b_end - middle : b_end], 0, a_end):
            low = middle
        else:
            high = middle - 1
    return low


def _snap_prefix(
    a: str, a_start: int, a_end: int, b: str, b_start: int, b_end: int, prefix: int
) -> int:
    """Shorten a common prefix that ends inside a word (or an escape) to the word's start."""
    if not prefix:
        return 0
    last = a[a_start + prefix - 1]
    if last == "\\":
        return prefix - 1
    if not _is_word_char(last):
        return prefix
    next_a = a[a_start + prefix] if a_start + prefix < a_end else " "
    next_b = b[b_start + prefix] if b_start + prefix < b_end else " "
    if not (_is_word_char(next_a) or _is_word_char(next_b)):
        return prefix
    while prefix and _is_word_char(a[a_start + prefix - 1]):
        prefix -= 1
    return prefix


def _snap_suffix(
    a: str, a_start: int, a_end: int, b: str, b_start: int, b_end: int, suffix: int
) -> int:
    """Shorten a common suffix that starts inside a word (or an escape) to the word's end."""
    if not suffix:
        return 0
    first = a[a_end - suffix]
    before_a = a[a_end - suffix - 1] if a_end - suffix > a_start else " "
    before_b = b[b_end - suffix - 1] if b_end - suffix > b_start else " "
    if first in "[]" and "\\" in (before_a, before_b):
        return suffix - 1
    if not _is_word_char(first):
        return suffix
    if not (_is_word_char(before_a) or _is_word_char(before_b)):
        return suffix
    while suffix and _is_word_char(a[a_end - suffix]):
        suffix -= 1
    return suffix
