"""Three-way merge of negotiating texts, for edits that crossed.

Two delegates open version 4; one saves version 5; the other's save, based on 4, is stale.
``merge(base, theirs, yours)`` (base: version 4, theirs: version 5, yours: the stale edit) keeps
both: changes that touch different paragraphs, different bracket groups or different words apply
together; where both sides changed the same span differently, the span is a `Conflict` and the
merged text holds theirs (the version already saved) there. `add_mine_as_alternative` resolves a
conflict the way the rules let a party do alone: it keeps theirs and adds your words next to it
as your party's alternative, bracketing theirs first when it is common text.

How. Each text becomes a sequence of units: a paragraph's numbering, each top-level bracket group
whole (a group is one party's language and changes as one piece), each word, space and mark of
the common text around the groups (``diff.tokenize``), and a break between paragraphs. Paragraphs
are aligned first: identical paragraphs anchor, and between anchors as many paragraphs on each
side pair one to one; the units of each pair (or of a stretch whose paragraph counts differ) are
aligned with the diff engine. Each side's changes against the base are then hunks, a base range
and what replaced it. Hunks of the two sides that overlap, or insert at the same point, are one
conflict unless they make the same change; all others apply. Changes to neighbouring units
(adjacent alternatives ``[US: shall][EU: should]`` each edited by its own party) do not overlap
and merge.

The merged text always parses when the three inputs do: a merge that would not (units from both
sides that happen to join into an escape or a blank line) falls back to one conflict over the
whole text. Pure Python, no Django.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from itertools import accumulate
from typing import NamedTuple

from . import brackets, diff

_TEXT = "text"
_GROUP = "group"
_NUMBER = "number"
_PARAGRAPH = "paragraph"  # a whole paragraph that no side changed
_BREAK = "break"
# Every paragraph break has this key, whatever blank lines it is written with.
_BREAK_KEY = "\n\n"
_SPACE = re.compile(r"\s*")


class _Unit(NamedTuple):
    """One unit of text: ``raw`` as written, ``key`` what it is compared by."""

    kind: str
    raw: str
    key: str


def _unit(kind: str, raw: str) -> _Unit:
    if kind == _BREAK:
        return _Unit(kind, raw, _BREAK_KEY)
    # A line break is the same however it was sent (a browser posting a form sends CRLF).
    return _Unit(kind, raw, raw.replace("\r\n", "\n") if "\r" in raw else raw)


def _raw(units: Iterable[_Unit]) -> str:
    return "".join(unit.raw for unit in units)


@dataclass(frozen=True)
class Conflict:
    """A span both sides changed differently.

    ``base``, ``theirs`` and ``yours`` are the span as each side has it (``""`` where a side has
    nothing there: it deleted the span, or the others inserted into it); they may cross paragraph
    breaks. ``paragraph`` (1-based) is the paragraph of the merged text where the span starts.
    """

    paragraph: int
    base: str
    theirs: str
    yours: str
    # The conflict proper, for resolving it: theirs and yours without their common ends.
    _head: tuple[_Unit, ...] = field(default=(), repr=False, compare=False)
    _theirs: tuple[_Unit, ...] = field(default=(), repr=False, compare=False)
    _yours: tuple[_Unit, ...] = field(default=(), repr=False, compare=False)
    _tail: tuple[_Unit, ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape of the API's 409 answer."""
        return {
            "paragraph": self.paragraph,
            "base": self.base,
            "theirs": self.theirs,
            "yours": self.yours,
        }


Segment = str | Conflict


@dataclass(frozen=True)
class MergeResult:
    """The merged text as segments: text that merged, and conflicts (holding theirs for now)."""

    segments: tuple[Segment, ...] = ()

    @property
    def text(self) -> str:
        """The merged text, with theirs' version of every conflicting span."""
        return "".join(s.theirs if isinstance(s, Conflict) else s for s in self.segments)

    @property
    def conflicts(self) -> list[Conflict]:
        return [s for s in self.segments if isinstance(s, Conflict)]

    @property
    def clean(self) -> bool:
        """Whether both sides' changes merged without a conflict."""
        return not any(isinstance(s, Conflict) for s in self.segments)


def merge(base: str, theirs: str, yours: str) -> MergeResult:
    """Merge ``yours`` (an edit of ``base``) into ``theirs`` (another edit of ``base``)."""
    if yours in (base, theirs):
        return MergeResult((theirs,) if theirs else ())
    if theirs == base:
        return MergeResult((yours,) if yours else ())
    return _three_way(base, theirs, yours)


def add_mine_as_alternative(result: MergeResult, index: int, *, party: str | None) -> MergeResult:
    """Resolve conflict number ``index`` (0-based, in `result.conflicts`) as a party may alone.

    Theirs stays, and your words follow it as ``[XX: your words]`` (``party`` None, for the
    chair: unattributed). Where theirs is common text it is first bracketed, ``[theirs]``, so the
    two read as alternatives; language already in brackets stays as it is, and so do your own
    groups. A span you deleted brackets theirs without an alternative. If the resolved text would
    not parse, the conflict is left as it was.
    """
    conflict = result.conflicts[index]
    resolved = (
        _raw(conflict._head)
        + _alternative(conflict._theirs, conflict._yours, party)
        + _raw(conflict._tail)
    )
    position = [i for i, s in enumerate(result.segments) if isinstance(s, Conflict)][index]
    segments = [*result.segments[:position], resolved, *result.segments[position + 1 :]]
    candidate = _result(segments)
    if brackets.parse(result.text).ok and not brackets.parse(candidate.text).ok:
        return result
    return candidate


def add_all_mine_as_alternatives(result: MergeResult, *, party: str | None) -> MergeResult:
    """`add_mine_as_alternative` for every conflict, last to first."""
    for index in reversed(range(len(result.conflicts))):
        result = add_mine_as_alternative(result, index, party=party)
    return result


# --- Sides and alignment ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    """One side, parsed: its paragraphs as written (``raws``) and as compared (``keys``)."""

    paragraphs: tuple[brackets.Paragraph, ...]
    raws: list[str]
    keys: list[str]
    separators: tuple[str, ...]
    leading: str
    trailing: str
    ok: bool


def _text(text: str) -> _Text:
    parsed = brackets.parse(text)
    document = parsed.document
    raws = [
        brackets.to_notation(brackets.Document(paragraphs=(paragraph,)))
        for paragraph in document.paragraphs
    ]
    return _Text(
        paragraphs=document.paragraphs,
        raws=raws,
        keys=[_unit(_PARAGRAPH, raw).key for raw in raws],
        separators=document.separators,
        leading=document.leading,
        trailing=document.trailing,
        ok=parsed.ok,
    )


@dataclass(frozen=True)
class _Side:
    """One side cut into units; ``paragraphs`` holds each paragraph's first and end unit."""

    units: list[_Unit]
    paragraphs: list[tuple[int, int]]
    leading: str
    trailing: str
    ok: bool


def _side(text: _Text, whole: Iterable[int] = ()) -> _Side:
    """Cut a side into units; the paragraphs in ``whole`` (unchanged on every side) stay one
    unit each, so a long text costs only what changed in it."""
    whole = set(whole)
    units: list[_Unit] = []
    paragraphs: list[tuple[int, int]] = []
    for index, paragraph in enumerate(text.paragraphs):
        if index:
            units.append(_unit(_BREAK, text.separators[index - 1]))
        start = len(units)
        if index in whole:
            units.append(_Unit(_PARAGRAPH, text.raws[index], text.keys[index]))
        else:
            if paragraph.number is not None:
                units.append(_unit(_NUMBER, paragraph.number + (paragraph.number_space or " ")))
            for node in paragraph.children:
                if isinstance(node, brackets.Group):
                    units.append(_unit(_GROUP, _notation(node)))
                else:
                    units.extend(_unit(_TEXT, token) for token in diff.tokenize(node.raw))
        paragraphs.append((start, len(units)))
    return _Side(units, paragraphs, text.leading, text.trailing, text.ok)


def _notation(group: brackets.Group) -> str:
    return brackets.to_notation(
        brackets.Document(paragraphs=(brackets.Paragraph(children=(group,)),))
    )


# Paragraph pairs (base paragraph, other paragraph, identical).
_Pairs = list[tuple[int, int, bool]]


def _pair_paragraphs(base_keys: list[str], other_keys: list[str]) -> _Pairs:
    """Paragraphs of the base paired with the other side's: identical ones anchor, and where the
    stretch between two anchors holds as many paragraphs on each side, they pair one to one (the
    usual edit changes paragraphs in place)."""
    # Common first and last paragraphs pair in place before anything is matched by content:
    # a paragraph that repeats must not pair with its twin across an edited one.
    head = 0
    while head < min(len(base_keys), len(other_keys)) and base_keys[head] == other_keys[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(base_keys), len(other_keys)) - head
        and base_keys[-1 - tail] == other_keys[-1 - tail]
    ):
        tail += 1
    matcher = SequenceMatcher(
        None,
        base_keys[head : len(base_keys) - tail],
        other_keys[head : len(other_keys) - tail],
        autojunk=False,
    )
    pairs: _Pairs = [(k, k, True) for k in range(head)]
    i = j = head
    for block_i, block_j, size in matcher.get_matching_blocks():
        block_i, block_j = block_i + head, block_j + head
        if block_i - i == block_j - j:
            pairs.extend((i + k, j + k, False) for k in range(block_i - i))
        pairs.extend((block_i + k, block_j + k, True) for k in range(size))
        i, j = block_i + size, block_j + size
    pairs.extend((len(base_keys) - tail + k, len(other_keys) - tail + k, True) for k in range(tail))
    return pairs


def _align(base: _Side, other: _Side, pairs: _Pairs) -> list[tuple[int, int]]:
    """Pairs (base unit, other unit) that are the same unit, increasing on both sides: unit by
    unit in identical paragraphs, with the diff engine inside other pairs and across a stretch
    whose paragraph counts differ."""
    matches: list[tuple[int, int]] = []
    a_pos = b_pos = 0
    previous = (-2, -2)
    for pi, pj, identical in pairs:
        a_start, a_end = base.paragraphs[pi]
        b_start, b_end = other.paragraphs[pj]
        if (pi - 1, pj - 1) == previous:
            matches.append((a_start - 1, b_start - 1))  # the break between two pairs
        else:
            matches += _align_units(base.units, a_pos, a_start, other.units, b_pos, b_start)
        if identical and a_end - a_start == b_end - b_start:
            matches += zip(range(a_start, a_end), range(b_start, b_end), strict=True)
        else:
            matches += _align_units(base.units, a_start, a_end, other.units, b_start, b_end)
        a_pos, b_pos, previous = a_end, b_end, (pi, pj)
    matches += _align_units(
        base.units, a_pos, len(base.units), other.units, b_pos, len(other.units)
    )
    return matches


def _align_units(
    a: Sequence[_Unit], a_lo: int, a_hi: int, b: Sequence[_Unit], b_lo: int, b_hi: int
) -> list[tuple[int, int]]:
    """Align two stretches of units with the word diff: a unit is kept where the diff keeps all
    of it as equal text and the same unit starts there on the other side."""
    if a_lo >= a_hi or b_lo >= b_hi:
        return []
    a_keys = [unit.key for unit in a[a_lo:a_hi]]
    b_keys = [unit.key for unit in b[b_lo:b_hi]]
    a_starts = list(accumulate(map(len, a_keys), initial=0))
    b_index = {offset: k for k, offset in enumerate(accumulate(map(len, b_keys), initial=0))}
    matches: list[tuple[int, int]] = []
    a_pos = b_pos = 0
    for op in diff.diff_text("".join(a_keys), "".join(b_keys)):
        length = len(op.text)
        if op.kind == "equal":
            k = bisect_left(a_starts, a_pos)
            while k < len(a_keys) and a_starts[k + 1] <= a_pos + length:
                j = b_index.get(b_pos + a_starts[k] - a_pos)
                if j is not None and j < len(b_keys) and b_keys[j] == a_keys[k]:
                    matches.append((a_lo + k, b_lo + j))
                k += 1
            a_pos += length
            b_pos += length
        elif op.kind == "delete":
            a_pos += length
        else:
            b_pos += length
    return matches


# A change: base units [b0, b1) became the other side's units [o0, o1).
_Hunk = tuple[int, int, int, int]


def _hunks(matches: list[tuple[int, int]], a_len: int, b_len: int) -> list[_Hunk]:
    hunks: list[_Hunk] = []
    a_pos = b_pos = 0
    for i, j in [*matches, (a_len, b_len)]:
        if i > a_pos or j > b_pos:
            hunks.append((a_pos, i, b_pos, j))
        a_pos, b_pos = i + 1, j + 1
    return hunks


# --- Merging ------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A conflict before its paragraph is known."""

    base: list[_Unit]
    theirs: list[_Unit]
    yours: list[_Unit]


def _three_way(base_text: str, theirs_text: str, yours_text: str) -> MergeResult:
    texts = _text(base_text), _text(theirs_text), _text(yours_text)
    their_pairs = _pair_paragraphs(texts[0].keys, texts[1].keys)
    your_pairs = _pair_paragraphs(texts[0].keys, texts[2].keys)
    their_same = {i: j for i, j, identical in their_pairs if identical}
    your_same = {i: j for i, j, identical in your_pairs if identical}
    unchanged = their_same.keys() & your_same.keys()
    base = _side(texts[0], unchanged)
    theirs = _side(texts[1], (their_same[i] for i in unchanged))
    yours = _side(texts[2], (your_same[i] for i in unchanged))
    out = _merge_units(
        base, theirs, yours, _align(base, theirs, their_pairs), _align(base, yours, your_pairs)
    )
    segments: list[Segment] = [_pick(base.leading, theirs.leading, yours.leading)]
    emitted: list[_Unit] = []  # the units of the merged text, theirs at conflicts
    for item in out:
        if isinstance(item, _Draft):
            segments.append(_conflict(item))
            emitted += item.theirs
        else:
            segments.append(item.raw)
            emitted.append(item)
    segments.append(_pick(base.trailing, theirs.trailing, yours.trailing))
    result = _result(segments)
    # Units from different sides may meet in ways neither side wrote: a backslash before a
    # group (an escape), whitespace that makes a blank line (a paragraph break). Then the merged
    # text is not what the units say: one conflict over the whole text instead.
    merged = brackets.parse(result.text)
    breaks = sum(unit.kind == _BREAK for unit in emitted)
    if (base.ok and theirs.ok and yours.ok and not merged.ok) or len(
        merged.document.paragraphs
    ) != (breaks + 1 if emitted else 0):
        return _result(
            [
                _whole_text_conflict(
                    base_text, theirs_text, yours_text, _side(texts[1]), _side(texts[2])
                )
            ]
        )
    return result


def _whole_text_conflict(
    base_text: str, theirs_text: str, yours_text: str, theirs: _Side, yours: _Side
) -> Conflict:
    return Conflict(
        paragraph=1,
        base=base_text,
        theirs=theirs_text,
        yours=yours_text,
        _head=(_unit(_TEXT, theirs.leading),),
        _theirs=tuple(theirs.units),
        _yours=tuple(yours.units),
        _tail=(_unit(_TEXT, theirs.trailing),),
    )


def _pick(base: str, theirs: str, yours: str) -> str:
    """Whitespace both sides kept as base had it, or that one side changed: that side's."""
    return yours if theirs == base else theirs


def _merge_units(
    base: _Side,
    theirs: _Side,
    yours: _Side,
    their_matches: list[tuple[int, int]],
    your_matches: list[tuple[int, int]],
) -> list[_Unit | _Draft]:
    their_unit = dict(their_matches)
    your_unit = dict(your_matches)
    hunks = [
        *((*h, True) for h in _hunks(their_matches, len(base.units), len(theirs.units))),
        *((*h, False) for h in _hunks(your_matches, len(base.units), len(yours.units))),
    ]
    # At one point, an insertion comes before a change that starts there.
    hunks.sort(key=lambda h: (h[0], h[1] > h[0], h[1]))

    out: list[_Unit | _Draft] = []
    position = 0  # base units before this are done
    their_shift = your_shift = 0  # how far each side's unit indices run ahead of the base's
    index = 0
    while index < len(hunks):
        start, end = hunks[index][0], hunks[index][1]
        cluster = [hunks[index]]
        index += 1
        while index < len(hunks) and _touches(start, end, hunks[index][0], hunks[index][1]):
            cluster.append(hunks[index])
            end = max(end, hunks[index][1])
            index += 1
        for k in range(position, start):  # unchanged on both sides
            base_unit = base.units[k]
            their = theirs.units[their_unit[k]]
            your = yours.units[your_unit[k]]
            out.append(your if their.raw == base_unit.raw else their)
        t0, y0 = start + their_shift, start + your_shift
        for b0, b1, o0, o1, is_theirs in cluster:
            if is_theirs:
                their_shift += (o1 - o0) - (b1 - b0)
            else:
                your_shift += (o1 - o0) - (b1 - b0)
        t1, y1 = end + their_shift, end + your_shift
        their_piece, your_piece = theirs.units[t0:t1], yours.units[y0:y1]
        sides = {h[4] for h in cluster}
        if sides == {True} or [u.key for u in their_piece] == [u.key for u in your_piece]:
            out.extend(their_piece)
        elif sides == {False}:
            out.extend(your_piece)
        else:
            out.append(_Draft(base.units[start:end], their_piece, your_piece))
        position = end
    for k in range(position, len(base.units)):
        base_unit = base.units[k]
        their = theirs.units[their_unit[k]]
        your = yours.units[your_unit[k]]
        out.append(your if their.raw == base_unit.raw else their)
    return out


def _touches(start: int, end: int, b0: int, b1: int) -> bool:
    """Whether a change of base units [b0, b1) meets changes spanning [start, end): they overlap,
    one inserts inside the other, or both insert at one point."""
    return (b0 < end and start < b1) or b0 == b1 == start == end


def _conflict(draft: _Draft) -> Conflict:
    theirs, yours = draft.theirs, draft.yours
    head = 0
    while head < min(len(theirs), len(yours)) and theirs[head].key == yours[head].key:
        head += 1
    tail = 0
    while (
        tail < min(len(theirs), len(yours)) - head and theirs[-1 - tail].key == yours[-1 - tail].key
    ):
        tail += 1
    return Conflict(
        paragraph=0,
        base=_raw(draft.base),
        theirs=_raw(theirs),
        yours=_raw(yours),
        _head=tuple(theirs[:head]),
        _theirs=tuple(theirs[head : len(theirs) - tail]),
        _yours=tuple(yours[head : len(yours) - tail]),
        _tail=tuple(theirs[len(theirs) - tail :]),
    )


def _result(segments: Iterable[Segment]) -> MergeResult:
    """Join neighbouring text, drop empty text, and number each conflict's paragraph."""
    joined: list[Segment] = []
    pending: list[str] = []  # text since the last conflict, joined once
    for segment in segments:
        if isinstance(segment, str):
            pending.append(segment)
            continue
        if text := "".join(pending):
            joined.append(text)
        pending = []
        joined.append(segment)
    if text := "".join(pending):
        joined.append(text)
    text = "".join(s.theirs if isinstance(s, Conflict) else s for s in joined)
    starts = _paragraph_starts(text)
    numbered: list[Segment] = []
    offset = 0
    for segment in joined:
        if isinstance(segment, Conflict):
            # Where its words are: a span may start with the break before them.
            words = _SPACE.match(text, offset).end()  # type: ignore[union-attr]
            segment = replace(segment, paragraph=max(bisect_right(starts, words), 1))
            offset += len(segment.theirs)
        else:
            offset += len(segment)
        numbered.append(segment)
    return MergeResult(tuple(numbered))


def _paragraph_starts(text: str) -> list[int]:
    """Offsets of the lines that start a paragraph (as `brackets.parse` splits them)."""
    starts: list[int] = []
    position = 0
    in_paragraph = False
    for line in text.split("\n"):
        blank = not line or line.isspace()
        if not blank and not in_paragraph:
            starts.append(position)
        in_paragraph = not blank
        position += len(line) + 1
    return starts


# --- Adding mine as an alternative --------------------------------------------------------------


def _alternative(theirs: Sequence[_Unit], yours: Sequence[_Unit], party: str | None) -> str:
    attribution = f"{party}: " if party else ""
    their_parts = _parts(theirs)
    your_parts = _parts(yours)
    if not any(part.core for part in your_parts):
        # You deleted the span: theirs is bracketed, as language you do not accept.
        return "".join(part.bracketed("") for part in their_parts)
    if not any(part.core for part in their_parts):
        # They deleted the span: yours comes back as your party's language.
        return "".join(part.bracketed(attribution) for part in your_parts)
    last, first = their_parts[-1], your_parts[0]
    if not (last.core and first.core):
        return "".join(
            [
                *(part.bracketed("") for part in their_parts),
                *(part.bracketed(attribution) for part in your_parts),
            ]
        )
    # The two meet inside a paragraph: adjacent groups, alternatives to each other, where theirs
    # stood and with theirs' spacing around them.
    met = (
        last.before + last.lead + _wrap(last.core, "") + _wrap(first.core, attribution) + last.trail
    )
    return "".join(
        [
            *(part.bracketed("") for part in their_parts[:-1]),
            met,
            *(part.bracketed(attribution) for part in your_parts[1:]),
        ]
    )


@dataclass(frozen=True)
class _Part:
    """One paragraph's share of a span: the break before it (none for the first), its leading
    space and numbering, its core, and its trailing space."""

    before: str
    lead: str
    core: tuple[_Unit, ...]
    trail: str

    def bracketed(self, attribution: str) -> str:
        return self.before + self.lead + _wrap(self.core, attribution) + self.trail


def _parts(units: Sequence[_Unit]) -> list[_Part]:
    """Split a span at its paragraph breaks."""
    parts: list[_Part] = []
    current: list[_Unit] = []
    before = ""
    for unit in [*units, None]:
        if unit is not None and unit.kind != _BREAK:
            current.append(unit)
            continue
        start = 0
        while start < len(current) and (
            current[start].kind == _NUMBER or not current[start].raw.strip()
        ):
            start += 1
        end = len(current)
        while end > start and not current[end - 1].raw.strip():
            end -= 1
        parts.append(
            _Part(before, _raw(current[:start]), tuple(current[start:end]), _raw(current[end:]))
        )
        if unit is not None:
            before, current = unit.raw, []
    return parts


def _wrap(core: Sequence[_Unit], attribution: str) -> str:
    """Words in brackets, with the attribution; bracketed language alone stays as it is."""
    text = _raw(core)
    if all(unit.kind == _GROUP or not unit.raw.strip() for unit in core):
        return text
    if text.endswith("\\"):
        text += " "  # a backslash before the closing bracket would make it a literal one
    return f"[{attribution}{text}]"
