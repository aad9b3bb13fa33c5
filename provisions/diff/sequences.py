"""Sequence algorithms over lists of segments or tokens, giving hunks of element indices."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence

# A hunk: text a[a_start:a_end] was replaced by b[b_start:b_end]; either range may be empty.
# The functions here give hunks of element indices; the engine turns them into text offsets.
Hunk = tuple[int, int, int, int]

# Stretches with more cells (n * m) than this are anchored (patience) before Myers runs on them.
PATIENCE_MIN_CELLS = 4096
# Runs of this many elements are tried in turn as patience anchors.
_ANCHOR_WIDTHS = (1, 4, 16)
# Offsets tried by resync_hunks after a mismatch, nearest first, replacements before plain
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


def resync_hunks(
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


def backtrack(trace: list[list[int]], n: int, m: int) -> list[Hunk]:
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


def matching_blocks(
    seq_a: Sequence[str], seq_b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int, int]]:
    """Equal runs `(i, j, size)` in order, grown from elements unique on both sides (patience).

    When no single element is unique, runs of a few elements are tried. Returns nothing when
    nothing is unique on both sides of the given ranges.
    """
    anchors: list[tuple[int, int]] = []
    for width in _ANCHOR_WIDTHS:
        if width > 1 and (ahi - alo) * (bhi - blo) <= PATIENCE_MIN_CELLS:
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
