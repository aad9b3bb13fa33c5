"""Incorporating a textual proposal: a party's proposed text written into the current text as
that party's bracketed alternatives, next to the language it would replace.

``incorporate(base, proposed, current, party)`` finds what the proposal changes in the version it
was written against (the word diff of ``provisions.diff``, after aligning paragraphs), snaps every
change to whole words and whole bracket groups on both sides, and writes each one into
``current`` in the proposing party's name. The notation (``XX`` is the proposing party):

- replaced common text: ``[old words][XX: new words]`` (the replaced words become an
  unattributed bracket, the party's alternative follows it); one whole group replaced:
  ``[EU: old][XX: new]`` (it is not bracketed a second time);
- a change inside another party's group (co-sponsored and unattributed groups alike): the group
  stays byte-identical and ``[XX: the group's words as proposed]`` follows it. A group inside
  another party's group belongs to that outer group: the alternative follows the outermost one,
  so no other party's language changes by a single byte;
- a change inside the proposing party's own group (its alone): made in place;
- a pure insertion: ``[XX: inserted words]``;
- a deletion: the deleted words bracketed (or the deleted group as it is), followed by
  ``[XX: (delete)]``. An empty group would not parse, so ``(delete)`` (``DELETION``) marks the
  party's wish to drop the language before it;
- a new paragraph: its numbering, then ``[XX: its text]``; a deleted paragraph:
  ``[the whole paragraph][XX: (delete)]``.

Inside an alternative the proposed words are written without brackets: everything in
``[XX: ...]`` is XX's language, and incorporation never writes another party's attribution.
Changes of whitespace alone are not proposals and are left out.

A proposal whose base is stale (``current != base``) is applied where the text around each change
is still what the proposal saw: a change is *skipped* when the current text differs from the base
in or right next to it (or, for a change inside a group, anywhere in that group). The result
lists what was applied and what was skipped. The result always parses.

``party_reading(text, party)`` reads a text as the party would have it: each group directly
followed by a group of that party alone gives way to it. Reading the incorporated text that way
gives back the proposal's words.

Pure Python, no Django.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from . import brackets, diff

DELETION = "(delete)"

# A paragraph break (a blank line) at the start or the end of a piece of text.
# What the parser takes for an attribution right after "[": "[US: x]", "[2030: x]".
_BREAK_AT_START = re.compile(r"\A[^\S\n]*\n[^\S\n]*\n")
_BREAK_AT_END = re.compile(r"\n[^\S\n]*\n[^\S\n]*\Z")
_ATTRIBUTION_LIKE = re.compile(r"[A-Z0-9, \t]*:")
_WORD_EXTRA = frozenset("_-'\u2019")
# Paragraph pairing costs a similarity per pair; past this many pairs, pair them in order.
_PAIRING_LIMIT = 400
_SIMILAR = 0.4


@dataclass(frozen=True)
class Hunk:
    """One change the proposal makes: ``old`` (in the base) becomes ``new``.

    ``line`` and ``column`` (1-based) locate it in the base; ``reason`` says why it was skipped.
    """

    old: str
    new: str
    line: int
    column: int
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "old": self.old,
            "new": self.new,
            "line": self.line,
            "column": self.column,
        }
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class IncorporationResult:
    """The text with the proposal written in, and what did and did not apply.

    ``concerned``: the codes of the parties (other than the proposing one) whose groups were
    bracketed or given an alternative. ``concerns_all``: common text or an unattributed bracket
    was changed, which concerns every participant.
    """

    text: str
    applied: tuple[Hunk, ...] = ()
    skipped: tuple[Hunk, ...] = ()
    concerned: frozenset[str] = frozenset()
    concerns_all: bool = False


class UnreadableText(ValueError):
    """One of the texts does not parse; incorporation needs well-formed bracket notation."""


def incorporate(base: str, proposed: str, current: str, party: str) -> IncorporationResult:
    """Write the change from ``base`` to ``proposed`` into ``current`` as ``party``'s alternatives.

    All three texts must parse without errors (``UnreadableText`` otherwise).
    """
    for name, text in (("base", base), ("proposed", proposed), ("current", current)):
        errors = brackets.validate(text)
        if errors:
            first = errors[0]
            raise UnreadableText(
                f"The {name} text does not parse: line {first.line}, column {first.column}: "
                f"{first.message}"
            )
    return _Incorporation(base, proposed, current, party).run()


def party_reading(text: str, party: str) -> str:
    """The text as ``party`` would read it: a group directly followed by a group of ``party``
    alone gives way to it, ``[party: (delete)]`` reads as nothing, every other group reads as its
    words. Paragraphs are separated by a blank line; escapes stay as written."""
    document = brackets.parse(text).document
    return "\n\n".join(_paragraph_reading(p, party) for p in document.paragraphs)


# --- Reading ----------------------------------------------------------------------------------


def _own(node: brackets.Node, party: str) -> bool:
    return isinstance(node, brackets.Group) and node.parties == (party,)


def _is_deletion(group: brackets.Group, party: str) -> bool:
    return (
        group.parties == (party,)
        and len(group.children) == 1
        and isinstance(group.children[0], brackets.Text)
        and group.children[0].raw.strip() == DELETION
    )


def _visible(children: Sequence[brackets.Node], party: str) -> Iterator[brackets.Node]:
    """The children as read: a group directly followed by the party's own group is left out."""
    for index, child in enumerate(children):
        following = children[index + 1] if index + 1 < len(children) else None
        if isinstance(child, brackets.Group) and following is not None and _own(following, party):
            continue
        yield child


def _glued(before: str, after: str) -> bool:
    return before[-1:].isalnum() and after[:1].isalnum()


def _paragraph_reading(paragraph: brackets.Paragraph, party: str) -> str:
    out: list[str] = []
    if paragraph.number is not None:
        out += [paragraph.number, paragraph.number_space or " "]
    # Iterative, as in brackets: nesting may run deeper than Python's recursion limit.
    stack: list[Iterator[brackets.Node]] = [_visible(paragraph.children, party)]
    at_bracket = False
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            at_bracket = True
        elif isinstance(node, brackets.Group):
            at_bracket = True
            if not _is_deletion(node, party):
                stack.append(_visible(node.children, party))
        elif node.raw:
            # Where dropping a bracket would glue two words together, a space takes its place.
            if at_bracket and out and _glued(out[-1], node.raw):
                out.append(" ")
            out.append(node.raw)
            at_bracket = False
    return "".join(out)


def _flatten(fragment: str, party: str) -> str:
    """A balanced fragment of proposed text as the party's own words: no brackets left."""
    return party_reading(fragment, party).strip()


# --- Structure: where paragraphs and groups are -------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """A group's offsets: ``[start`` ``content_start`` ... ``content_end`` ``]end``."""

    start: int
    content_start: int
    content_end: int
    end: int
    parties: tuple[str, ...]
    parent: int | None


@dataclass(frozen=True)
class _Paragraph:
    start: int
    body_start: int  # after its numbering
    end: int


@dataclass(frozen=True)
class _Structure:
    paragraphs: tuple[_Paragraph, ...]
    groups: tuple[_Group, ...]

    def ancestors(self, index: int | None) -> list[int]:
        """The group and the groups around it, outermost first."""
        chain: list[int] = []
        while index is not None:
            chain.append(index)
            index = self.groups[index].parent
        return chain[::-1]

    def innermost(self, start: int, end: int) -> int | None:
        """The innermost group whose content holds ``start..end``, or None (paragraph level)."""
        found: int | None = None
        for index, group in enumerate(self.groups):
            inner = found is None or group.start > self.groups[found].start
            if group.content_start <= start and end <= group.content_end and inner:
                found = index
        return found

    def inside(self, start: int, end: int) -> list[_Group]:
        """Groups lying wholly within ``start..end``."""
        return [g for g in self.groups if start <= g.start and g.end <= end]


def _structure(text: str) -> _Structure:
    """Offsets of every paragraph and group, by walking the tree the way to_notation writes it.

    Groups are listed in text order (the order they open in), so a group's index is known when it
    opens and its children can name it as their parent.
    """
    document = brackets.parse(text).document
    paragraphs: list[_Paragraph] = []
    groups: list[_Group | None] = []
    offset = len(document.leading)
    for number, paragraph in enumerate(document.paragraphs):
        if number:
            offset += len(document.separators[number - 1])
        start = offset
        if paragraph.number is not None:
            offset += len(paragraph.number) + len(paragraph.number_space or " ")
        body_start = offset
        # Iterative, as in brackets: (children left, the open group, its index, start, content).
        stack: list[tuple[Iterator[brackets.Node], brackets.Group | None, int | None, int, int]]
        stack = [(iter(paragraph.children), None, None, 0, 0)]
        while stack:
            children, group, index, group_start, content_start = stack[-1]
            node = next(children, None)
            if node is None:
                stack.pop()
                if group is not None and index is not None:
                    content_end = offset
                    offset += 1 if group.closed else 0
                    parent = stack[-1][2] if stack else None
                    groups[index] = _Group(
                        group_start, content_start, content_end, offset, group.parties, parent
                    )
                continue
            if isinstance(node, brackets.Text):
                offset += len(node.raw)
                continue
            opened_at = offset
            offset += 1 + len(node.attribution_raw)
            groups.append(None)
            stack.append((iter(node.children), node, len(groups) - 1, opened_at, offset))
        paragraphs.append(_Paragraph(start, body_start, offset))
    return _Structure(tuple(paragraphs), tuple(g for g in groups if g is not None))


# --- Finding the changes ----------------------------------------------------------------------


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _touches(start: int, end: int, part_start: int, part_end: int) -> bool:
    """Whether the range ``start..end`` cuts into the structural part ``part_start..part_end``
    (an opening bracket with its attribution, or a closing bracket)."""
    if start == end:
        return part_start < start < part_end
    return start < part_end and part_start < end


def _needed(start: int, end: int, text: str, groups: Sequence[_Group]) -> tuple[int, int]:
    """How far ``start..end`` must grow (left, right) to hold whole groups and whole words."""
    new_start, new_end = start, end
    grown = True
    while grown:
        grown = False
        for group in groups:
            if new_start <= group.start and group.end <= new_end:
                continue
            if _touches(new_start, new_end, group.start, group.content_start) or _touches(
                new_start, new_end, group.content_end, group.end
            ):
                new_start, new_end = min(new_start, group.start), max(new_end, group.end)
                grown = True
        size = len(text)
        while 0 < new_start < size and (
            (_is_word_char(text[new_start - 1]) and _is_word_char(text[new_start]))
            or (text[new_start - 1] == "\\" and text[new_start] in "[]")
        ):
            new_start -= 1
            grown = True
        while 0 < new_end < size and (
            (_is_word_char(text[new_end - 1]) and _is_word_char(text[new_end]))
            or (text[new_end - 1] == "\\" and text[new_end] in "[]")
        ):
            new_end += 1
            grown = True
    return start - new_start, new_end - end


def _raw_hunks(old: str, new: str) -> list[list[int]]:
    """``[a_start, a_end, b_start, b_end]`` for each run of changes in the word diff."""
    hunks: list[list[int]] = []
    a = b = 0
    current: list[int] | None = None
    for op in diff.diff_text(old, new):
        size = len(op.text)
        if op.kind == "equal":
            current = None
            a += size
            b += size
            continue
        if current is None:
            current = [a, a, b, b]
            hunks.append(current)
        if op.kind == "delete":
            a += size
            current[1] = a
        else:
            b += size
            current[3] = b
    return hunks


def _snapped_hunks(old: str, new: str) -> list[list[int]]:
    """The diff's hunks grown to whole words and whole groups on both sides, merged where they
    meet. Text between two hunks is equal on both sides, so a hunk grows by the same amount on
    each; growing into a neighbour merges the two instead."""
    old_groups, new_groups = _structure(old).groups, _structure(new).groups
    hunks = _raw_hunks(old, new)
    index = 0
    while index < len(hunks):
        hunk = hunks[index]
        left_a, right_a = _needed(hunk[0], hunk[1], old, old_groups)
        left_b, right_b = _needed(hunk[2], hunk[3], new, new_groups)
        left, right = max(left_a, left_b), max(right_a, right_b)
        gap_left = hunk[0] - (hunks[index - 1][1] if index else 0)
        gap_right = (hunks[index + 1][0] if index + 1 < len(hunks) else len(old)) - hunk[1]
        if left and index and left >= gap_left:
            previous = hunks.pop(index - 1)
            hunks[index - 1] = [previous[0], hunk[1], previous[2], hunk[3]]
            index -= 1
            continue
        if right and index + 1 < len(hunks) and right >= gap_right:
            following = hunks.pop(index + 1)
            hunks[index] = [hunk[0], following[1], hunk[2], following[3]]
            continue
        if left or right:
            left, right = min(left, gap_left), min(right, gap_right)
            hunks[index] = [hunk[0] - left, hunk[1] + right, hunk[2] - left, hunk[3] + right]
            if left or right:
                continue
        index += 1
    return hunks


def _paragraph_texts(text: str, structure: _Structure) -> list[str]:
    return [text[p.start : p.end] for p in structure.paragraphs]


# Past this many words in a paragraph, likeness is estimated from the words the two share (in C)
# rather than aligned: the alignment grows with the square of the length.
_SIMILARITY_MAX_WORDS = 2000


@functools.lru_cache(maxsize=4096)
def _similarity(a: str, b: str) -> float:
    """How alike two paragraphs are (0 to 1). Pairs below the threshold only need to be known
    as such, so the cheap upper bounds answer first."""
    words_a, words_b = a.split(), b.split()
    matcher = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
        return 0.0
    if len(words_a) + len(words_b) > _SIMILARITY_MAX_WORDS:
        return matcher.quick_ratio()
    return matcher.ratio()


def _pair(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pair changed paragraphs by likeness, keeping their order (a small alignment); those left
    over were deleted or inserted. Large blocks are paired in order."""
    n, m = len(old), len(new)
    if n * m > _PAIRING_LIMIT:
        return _pair_leftovers([*((i, None) for i in range(n)), *((None, j) for j in range(m))])
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            similar = _similarity(old[i], new[j])
            take = score[i + 1][j + 1] + similar if similar >= _SIMILAR else -1.0
            score[i][j] = max(take, score[i + 1][j], score[i][j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        similar = _similarity(old[i], new[j])
        if similar >= _SIMILAR and score[i][j] == score[i + 1][j + 1] + similar:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            pairs.append((i, None))
            i += 1
        else:
            pairs.append((None, j))
            j += 1
    pairs += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return _pair_leftovers(pairs)


def _pair_leftovers(
    pairs: list[tuple[int | None, int | None]],
) -> list[tuple[int | None, int | None]]:
    """Between two pairs, a paragraph deleted and one inserted are one paragraph rewritten: pair
    them in order, so that it reads as changed words rather than as a whole paragraph."""
    out: list[tuple[int | None, int | None]] = []
    deleted: list[int] = []
    inserted: list[int] = []

    def settle() -> None:
        out.extend(zip(deleted, inserted, strict=False))
        out.extend((i, None) for i in deleted[len(inserted) :])
        out.extend((None, j) for j in inserted[len(deleted) :])
        deleted.clear()
        inserted.clear()

    for i, j in pairs:
        if i is not None and j is not None:
            settle()
            out.append((i, j))
        elif i is not None:
            deleted.append(i)
        elif j is not None:
            inserted.append(j)
    settle()
    return out


def _align(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Paragraph pairs in text order: (i, j) changed or equal, (i, None) deleted, (None, j) new."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        else:
            out += [
                (None if i is None else i1 + i, None if j is None else j1 + j)
                for i, j in _pair(old[i1:i2], new[j1:j2])
            ]
    return out


# --- Writing them in ---------------------------------------------------------------------------


@dataclass
class _Change:
    """One change in base coordinates, with what to write and the hunk it reports as."""

    start: int
    end: int
    new: str
    hunk: Hunk
    # A new paragraph: written before `start` (rank -1) or after it (rank 2), not in place.
    paragraph_rank: int | None = None


@dataclass
class _Edit:
    start: int
    end: int
    rank: int
    text: str
    hunks: list[Hunk] = field(default_factory=list)


class _Incorporation:
    def __init__(self, base: str, proposed: str, current: str, party: str) -> None:
        self.base, self.proposed, self.current, self.party = base, proposed, current, party
        self.concerned: set[str] = set()
        self.concerns_all = False
        self.skipped: list[Hunk] = []

    def run(self) -> IncorporationResult:
        changes = self._changes()
        self.stale = self._stale_ranges()
        edits = self._edits(changes)
        text, applied = self._apply(edits)
        return IncorporationResult(
            text=text,
            applied=tuple(applied),
            skipped=tuple(self.skipped),
            concerned=frozenset(self.concerned - {self.party}),
            concerns_all=self.concerns_all,
        )

    # The proposal's changes, in base coordinates.

    def _hunk(self, start: int, old: str, new: str) -> Hunk:
        line, column = _position(self.base, start)
        return Hunk(old=old, new=new, line=line, column=column)

    def _changes(self) -> list[_Change]:
        base_structure, proposed_structure = _structure(self.base), _structure(self.proposed)
        old_paragraphs = _paragraph_texts(self.base, base_structure)
        new_paragraphs = _paragraph_texts(self.proposed, proposed_structure)
        changes: list[_Change] = []
        pending: list[int] = []  # new paragraphs waiting for the next old one to anchor them

        def flush(before: int | None) -> None:
            if not pending:
                return
            texts = [new_paragraphs[j] for j in pending]
            pending.clear()
            rendered = "\n\n".join(filter(None, map(self._new_paragraph, texts)))
            if not rendered:
                return
            if before is not None:
                at = base_structure.paragraphs[before].start
            else:
                at = base_structure.paragraphs[-1].end if base_structure.paragraphs else 0
            hunk = self._hunk(at, "", "\n\n".join(texts))
            if before is not None:
                position = base_structure.paragraphs[before].start
                changes.append(_Change(position, position, rendered + "\n\n", hunk, -1))
            elif base_structure.paragraphs:
                position = base_structure.paragraphs[-1].end
                changes.append(_Change(position, position, "\n\n" + rendered, hunk, 2))
            else:
                position = len(self.base)
                changes.append(_Change(position, position, rendered, hunk, 2))

        for i, j in _align(old_paragraphs, new_paragraphs):
            if i is None:
                pending.append(j)  # type: ignore[arg-type]
                continue
            flush(i)
            paragraph = base_structure.paragraphs[i]
            if j is None:
                old = old_paragraphs[i]
                changes.append(
                    _Change(
                        paragraph.start, paragraph.end, "", self._hunk(paragraph.start, old, "")
                    )
                )
                continue
            old, new = old_paragraphs[i], new_paragraphs[j]
            if old == new:
                continue
            for a0, a1, b0, b1 in _snapped_hunks(old, new):
                before, after = old[a0:a1], new[b0:b1]
                if before.split() == after.split():
                    continue  # whitespace alone
                start = paragraph.start + a0
                changes.append(
                    _Change(start, paragraph.start + a1, after, self._hunk(start, before, after))
                )
        flush(None)
        return changes

    def _new_paragraph(self, text: str) -> str:
        """A proposed new paragraph: its numbering, then the party's words in its brackets."""
        paragraph = brackets.parse(text).document.paragraphs[0]
        number = ""
        if paragraph.number is not None:
            number = paragraph.number + (paragraph.number_space or " ")
        words = _flatten(text[len(number) :], self.party)
        return f"{number}[{self.party}: {words}]" if words else ""

    # Where the current text differs from the base.

    def _stale_ranges(self) -> list[tuple[int, int, int, int]]:
        if self.base == self.current:
            return []
        return [tuple(h) for h in _raw_hunks(self.base, self.current)]  # type: ignore[misc]

    def _map(self, start: int, end: int) -> tuple[int, int] | None:
        """``start..end`` of the base in the current text; None where the current text changed in
        it or right next to it. A change next to it that lies beyond a paragraph break (a
        paragraph added or removed there) leaves it alone."""
        delta = 0
        for change in self.stale:
            x0, x1, _, y1 = change
            if x1 < start:
                delta = y1 - x1
                continue
            if x0 > end:
                break
            if (x0 < end and start < x1) or (x0 == x1 and start < x0 < end):
                return None
            # Touching: before the range (it ends where the range starts), or after it.
            before = x1 == start and (x0 < x1 or start < end or self._apart(change, True))
            if before:
                if not self._apart(change, True):
                    return None
                delta = y1 - x1
            elif not self._apart(change, False):
                return None
        return start + delta, end + delta

    def _apart(self, change: tuple[int, int, int, int], before: bool) -> bool:
        """Whether a change touching a range is set apart from it by a paragraph break: on both
        sides of the change, its text is empty or ends (before) / starts (after) with a break."""
        x0, x1, y0, y1 = change
        edge = _BREAK_AT_END if before else _BREAK_AT_START
        return all(not t or edge.search(t) for t in (self.base[x0:x1], self.current[y0:y1]))

    def _group_changed(self, group: _Group) -> bool:
        """Whether the current text differs from the base anywhere in the group's content."""
        return any(
            y0 <= group.content_end and group.content_start <= y1 for _, _, y0, y1 in self.stale
        )

    # What to write for each change.

    def _edits(self, changes: list[_Change]) -> list[_Edit]:
        structure = _structure(self.current)
        edits: list[_Edit] = []
        # Changes inside another party's group (or an unattributed one) become one alternative
        # after that group: group index → [(current start, current end, new text, hunk)].
        by_group: dict[int, list[tuple[int, int, str, Hunk]]] = {}
        direct: list[tuple[int, int, str, Hunk, int | None]] = []
        for change in changes:
            mapped = self._map(change.start, change.end)
            if mapped is None:
                self.skipped.append(
                    _with_reason(change.hunk, "the current text changed here since the base")
                )
                continue
            start, end = mapped
            if change.paragraph_rank is not None:
                if change.new:
                    edits.append(
                        _Edit(start, start, change.paragraph_rank, change.new, [change.hunk])
                    )
                continue
            container = self._container(structure, start, end)
            if container is None:
                direct.append((start, end, change.new, change.hunk, None))
            elif container < 0:
                direct.append((start, end, change.new, change.hunk, -container - 1))
            else:
                by_group.setdefault(container, []).append((start, end, change.new, change.hunk))
        # A group that gets an alternative takes in the changes in the groups inside it.
        for index in sorted(by_group, key=lambda k: -structure.groups[k].start):
            outer = next(
                (a for a in structure.ancestors(structure.groups[index].parent) if a in by_group),
                None,
            )
            if outer is not None:
                by_group[outer] += by_group.pop(index)
        for start, end, new, hunk, own in direct:
            # A change in the party's own group inside a group that gets an alternative is part
            # of that alternative (changes at paragraph level are never inside a group).
            taken = next(
                (
                    k
                    for k in by_group
                    if structure.groups[k].content_start <= start
                    and end <= structure.groups[k].content_end
                ),
                None,
            )
            if own is not None and taken is not None:
                by_group[taken].append((start, end, new, hunk))
            elif own is not None:
                edits.append(_Edit(start, end, 1, self._own_words(new), [hunk]))
            else:
                edit = self._common(structure, start, end, new, hunk)
                if edit is not None:
                    edits.append(edit)
        for index, members in by_group.items():
            edit = self._alternative(structure, index, members)
            if edit is not None:
                edits.append(edit)
        return edits

    def _names_others(self, group: _Group) -> bool:
        return any(code != self.party for code in group.parties)

    def _container(self, structure: _Structure, start: int, end: int) -> int | None:
        """Where a change goes: None for paragraph level (common text), a group index for an
        alternative after that group, or ``-(index + 1)`` for a change in place inside the
        party's own group."""
        chain = structure.ancestors(structure.innermost(start, end))
        for index in chain:
            if self._names_others(structure.groups[index]):
                return index
        if not chain:
            return None
        innermost = chain[-1]
        replaces_others = any(self._names_others(g) for g in structure.inside(start, end))
        if structure.groups[innermost].parties == (self.party,) and not replaces_others:
            return -(innermost + 1)
        return innermost

    def _own_words(self, new: str) -> str:
        words = _flatten(new, self.party)
        lead = new[: len(new) - len(new.lstrip())]
        trail = new[len(new.rstrip()) :]
        return lead + words + trail if words else lead or trail

    def _alternative(
        self, structure: _Structure, index: int, members: list[tuple[int, int, str, Hunk]]
    ) -> _Edit | None:
        """``[XX: the group's words as proposed]`` right after the group, which stays as it is."""
        group = structure.groups[index]
        hunks = [hunk for _, _, _, hunk in members]
        if self._group_changed(group):
            for hunk in hunks:
                self.skipped.append(
                    _with_reason(hunk, "the group it changes was changed since the base")
                )
            return None
        content = self.current[group.content_start : group.content_end]
        for start, end, new, _ in sorted(members, key=lambda m: m[0], reverse=True):
            offset = group.content_start
            content = content[: start - offset] + new + content[end - offset :]
        words = _flatten(content, self.party) or DELETION
        self._concern(structure.inside(group.start, group.end))
        return _Edit(group.end, group.end, 0, f"[{self.party}: {words}]", hunks)

    def _concern(self, groups: Iterable[_Group]) -> None:
        for group in groups:
            if group.parties:
                self.concerned.update(group.parties)
            else:
                self.concerns_all = True

    def _common(
        self, structure: _Structure, start: int, end: int, new: str, hunk: Hunk
    ) -> _Edit | None:
        """A change of paragraph-level text: the old words bracketed, the party's words after."""
        old = self.current[start:end]
        core_start = start + len(old) - len(old.lstrip())
        core_end = end - (len(old) - len(old.rstrip()))
        new_core = new.strip()
        words = _flatten(new_core, self.party) if new_core else ""
        if core_start >= core_end:  # an insertion
            if not words:
                return None
            lead = new[: len(new) - len(new.lstrip())]
            trail = new[len(new.rstrip()) :] if new_core else ""
            if not lead and start and self.current[start - 1] == "]":
                lead = " "  # an insertion, not an alternative to the group before it
            if not trail and end < len(self.current) and self.current[end] == "[":
                trail = " "
            return _Edit(start, end, 1, f"{lead}[{self.party}: {words}]{trail}", [hunk])
        inside = structure.inside(core_start, core_end)
        outermost = [
            g for g in inside if g.parent is None or structure.groups[g.parent].start < core_start
        ]
        whole_group = (
            len(outermost) == 1
            and outermost[0].start == core_start
            and outermost[0].end == core_end
        )
        holds_others = any(self._names_others(g) for g in inside)
        if whole_group and outermost[0].parties == (self.party,) and not holds_others:
            # The party's own group, rewritten or withdrawn: its own to change.
            written = f"[{self.party}: {words}]" if words else ""
            return _Edit(core_start, core_end, 1, written, [hunk])
        if whole_group and self._joins(outermost[0], new_core):
            # Joining a group (or leaving one it co-sponsors) is the party's own business.
            return _Edit(core_start, core_end, 1, new_core, [hunk])
        self._concern(inside)
        self.concerns_all = self.concerns_all or not whole_group
        if whole_group:
            bracketed = self.current[core_start:core_end]
        else:
            wrap_start = self._wrappable_start(structure, core_start)
            if wrap_start is None:
                self.skipped.append(
                    _with_reason(
                        hunk,
                        "the replaced words read as an attribution once bracketed; "
                        "edit the text so they do not start with capitals and a colon",
                    )
                )
                return None
            bracketed = f"[{self.current[wrap_start:core_end]}]"
            if wrap_start < start:
                # The words taken in on the left are common to both texts: the party's
                # alternative repeats them.
                words = _flatten(self.current[wrap_start:start] + new, self.party)
            core_start = wrap_start
        return _Edit(
            core_start, core_end, 1, f"{bracketed}[{self.party}: {words or DELETION}]", [hunk]
        )

    def _joins(self, group: _Group, new: str) -> bool:
        """Whether ``new`` is the same group, words unchanged, with the proposing party added to
        its sponsors or (leaving it to the others) taken off them. Any other change of sponsors
        is another party's to make: it is written as an alternative like any change."""
        proposed = _structure(new).groups
        if not proposed or proposed[0].start != 0 or proposed[0].end != len(new):
            return False
        words = self.current[group.content_start : group.content_end]
        if new[proposed[0].content_start : proposed[0].content_end] != words:
            return False
        before, after = set(group.parties), set(proposed[0].parties)
        return (
            bool(after)
            and after != before
            and after
            in (
                before | {self.party},
                before - {self.party},
            )
        )

    def _wrappable_start(self, structure: _Structure, start: int) -> int | None:
        """Where ``[`` can open before the words at ``start``: the parser takes "[US: x" or
        "[2030: x" for an attribution, so words beginning that way take in the word before them."""
        text = self.current
        paragraph_start = next(
            (p.start for p in structure.paragraphs if p.start <= start <= p.end), 0
        )
        while _ATTRIBUTION_LIKE.match(text, start):
            if start <= paragraph_start or text[start - 1] in "[]":
                return None
            start -= 1
            while (
                start > paragraph_start
                and not text[start - 1].isspace()
                and (text[start - 1] not in "[]")
            ):
                start -= 1
        return start

    def _apply(self, edits: list[_Edit]) -> tuple[str, list[Hunk]]:
        """Write the edits into the current text. Should one of them leave the text unreadable
        (it never should), that one is reported as skipped rather than written."""
        edits.sort(key=lambda e: (e.start, e.rank, e.end))
        kept: list[_Edit] = []
        for edit in edits:
            if kept and edit.start < kept[-1].end:
                self._skip(edit, "it overlaps another change")
                continue
            kept.append(edit)
        text = _written(self.current, kept)
        if brackets.validate(text):
            text = self.current
            survivors: list[_Edit] = []
            for edit in kept:
                attempt = _written(self.current, [*survivors, edit])
                if brackets.validate(attempt):
                    self._skip(edit, "it could not be written as a readable bracket")
                else:
                    survivors.append(edit)
                    text = attempt
            kept = survivors
        return text, [hunk for edit in kept for hunk in edit.hunks]

    def _skip(self, edit: _Edit, reason: str) -> None:
        self.skipped.extend(_with_reason(hunk, reason) for hunk in edit.hunks)


def _with_reason(hunk: Hunk, reason: str) -> Hunk:
    return Hunk(old=hunk.old, new=hunk.new, line=hunk.line, column=hunk.column, reason=reason)


def _written(text: str, edits: Sequence[_Edit]) -> str:
    out: list[str] = []
    position = 0
    for edit in edits:
        out += [text[position : edit.start], edit.text]
        position = edit.end
    out.append(text[position:])
    return "".join(out)
