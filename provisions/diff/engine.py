"""`diff_text`: the changed ranges between two texts, found fast.

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
4. A semantic clean-up (`hunks.clean_up`) merges hunks separated by a trivial equality (a lone
   space, a comma) or by a word too few to be worth showing between two rewritten phrases, so a
   reworded phrase reads as one deletion and one insertion rather than a word soup.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from .hunks import clean_up, hunks_to_ops
from .ops import DiffOp
from .sequences import PATIENCE_MIN_CELLS, Hunk, backtrack, matching_blocks, resync_hunks
from .words import ELEMENT_RE, SEGMENT_RE, SPACE_RE, trim_lengths

# Steps of Myers' algorithm allowed per call and per diff_text call: two unrelated 200 KB texts
# stay well under a second, while ordinary edits use a tiny fraction.
_MYERS_CALL_LIMIT = 200_000
_MYERS_TOTAL_LIMIT = 1_000_000
# Below this many segments on either side, a gap goes straight to word level.
_SEGMENT_RECURSE_MIN = 32


def diff_text(old: str, new: str) -> list[DiffOp]:
    """Word-level diff of `old` against `new`.

    Adjacent operations never share a kind; at each change point the deletion comes before the
    insertion. Equal texts give a single equal operation (none when both are empty).
    """
    if old == new:
        return [DiffOp("equal", old)] if old else []
    hunks = _Differ(old, new).hunks()
    return hunks_to_ops(old, new, clean_up(old, new, hunks))


def _glues_tokens(text: str, start: int, end: int) -> bool:
    """Whether a piece between spaces may hold tokens that should diff apart: brackets, lines."""
    return (
        text.find("[", start, end) >= 0
        or text.find("]", start, end) >= 0
        or text.find("\n", start, end) >= 0
    )


class _Differ:
    """Finds the hunks between two texts; one instance per `diff_text` call, holding its budget."""

    def __init__(self, a: str, b: str) -> None:
        self.a = a
        self.b = b
        self.out: list[Hunk] = []
        self.myers_budget = _MYERS_TOTAL_LIMIT

    def hunks(self) -> list[Hunk]:
        self.segments_a = segments_a = SEGMENT_RE.findall(self.a)
        self.segments_b = segments_b = SEGMENT_RE.findall(self.b)
        self.starts_a = list(accumulate(map(len, segments_a), initial=0))
        self.starts_b = list(accumulate(map(len, segments_b), initial=0))
        self._align_segments(segments_a, segments_b, 0, len(segments_a), 0, len(segments_b))
        return self.out

    def _align_segments(
        self, seg_a: list[str], seg_b: list[str], alo: int, ahi: int, blo: int, bhi: int
    ) -> None:
        blocks = matching_blocks(seg_a, seg_b, alo, ahi, blo, bhi)
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
                prefix, suffix = trim_lengths(x, y)
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
        prefix, suffix = trim_lengths(self.a[a_start:a_end], self.b[b_start:b_end])
        return (a_start + prefix, a_end - suffix, b_start + prefix, b_end - suffix)

    def _diff_middle(self, a_start: int, a_end: int, b_start: int, b_end: int) -> None:
        """Record what differs in a trimmed stretch; only several words need a token diff."""
        a, b = self.a, self.b
        if a_start == a_end or b_start == b_end:
            if a_start < a_end or b_start < b_end:
                self.out.append((a_start, a_end, b_start, b_end))
        elif SPACE_RE.search(a, a_start, a_end) or SPACE_RE.search(b, b_start, b_end):
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
        elements_a = ELEMENT_RE.findall(self.a, a_start, a_end)
        elements_b = ELEMENT_RE.findall(self.b, b_start, b_end)
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
        if (ahi - alo) * (bhi - blo) > PATIENCE_MIN_CELLS:
            blocks = matching_blocks(seq_a, seq_b, alo, ahi, blo, bhi)
            if blocks:
                i, j = alo, blo
                for block_i, block_j, size in blocks:
                    self._diff_sequences(seq_a, seq_b, i, block_i, j, block_j, out)
                    i, j = block_i + size, block_j + size
                self._diff_sequences(seq_a, seq_b, i, ahi, j, bhi, out)
                return
        if (ahi - alo) * (bhi - blo) <= PATIENCE_MIN_CELLS:
            found = resync_hunks(seq_a, seq_b, alo, ahi, blo, bhi)
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
                    return backtrack(trace, n, m)
            if work > limit:
                self.myers_budget -= work
                return None
        raise AssertionError("unreachable: Myers always ends by d = n + m")
