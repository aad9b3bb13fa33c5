"""Who may change what in negotiating text: each party speaks only for itself.

Adding brackets is unilateral, removing them is consensual, and each party changes only its own
language. `classify` compares a new text with the version it was based on and sorts every change
into one of three verdicts:

- ``allowed``: the actor may make it directly;
- ``proposal``: it changes language the actor does not own (another party's group, common text
  of a tabled provision); the actor must submit a proposal;
- ``consent``: it removes brackets (makes bracketed language common text, or drops an alternative
  another party sponsors); it takes effect as a resolution, once every party concerned consents.

Pure Python, no Django.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from . import brackets, diff


class Verdict(StrEnum):
    ALLOWED = "allowed"
    PROPOSAL = "proposal"
    CONSENT = "consent"


# Allowed changes that take the actor's own language away (withdrawing its group, leaving a
# group): they may go with a resolution, as a party gives up its alternative for another's.
WITHDRAWALS = frozenset({"own-group-withdrawn", "left"})


class Authority(StrEnum):
    """In what capacity the actor edits."""

    # A delegation on a tabled provision: its own groups only, new groups in its own name.
    PARTY = "party"
    # The proposing party while the provision is a draft: common text and unattributed brackets
    # are free too; other parties' groups are still theirs.
    DRAFTER = "drafter"
    # The secretariat as chair: common text and the words of unattributed brackets (it writes
    # attributions only by incorporating a proposal, and removes brackets only by resolution).
    CHAIR = "chair"


@dataclass(frozen=True)
class Change:
    """One change between two texts and what it needs.

    ``parties`` are the sponsors of the group concerned (empty for common text and unattributed
    brackets); ``line`` and ``column`` locate it, in the old text for what was removed or changed
    and in the new text for what was added.
    """

    verdict: Verdict
    kind: str
    parties: tuple[str, ...]
    line: int
    column: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "kind": self.kind,
            "parties": list(self.parties),
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Classification:
    changes: tuple[Change, ...] = ()

    @property
    def refused(self) -> tuple[Change, ...]:
        """Changes that need a proposal."""
        return tuple(c for c in self.changes if c.verdict == Verdict.PROPOSAL)

    @property
    def needs_consent(self) -> tuple[Change, ...]:
        """Changes that remove brackets: they need a resolution."""
        return tuple(c for c in self.changes if c.verdict == Verdict.CONSENT)

    @property
    def allowed(self) -> bool:
        """Whether the actor may save the new text directly."""
        return all(c.verdict == Verdict.ALLOWED for c in self.changes)

    def consent_parties(self) -> frozenset[str] | None:
        """The parties whose consent the bracket removals need; None: every participant (an
        unattributed group is concerned)."""
        parties: set[str] = set()
        for change in self.needs_consent:
            if not change.parties:
                return None
            parties.update(change.parties)
        return frozenset(parties)


def classify(old: str, new: str, *, party: str | None, authority: Authority) -> Classification:
    """Every change from ``old`` to ``new`` by ``party`` (None: the secretariat), with its verdict.

    Both texts are compared as bracket trees aligned by the word diff: each run of words is
    judged by who owns it on each side (the nearest attributed group around it, or nobody:
    common text and unattributed brackets). New text must be the actor's own; removed text must
    have been the actor's own, or it removes brackets; kept text may change hands only by
    bracketing common text, or by the actor joining or leaving a group. Groups naming other
    parties must also keep their shape, whatever the diff made of the words around them.
    """
    if old == new:
        return Classification()
    return _Classifier(_Layout(old, "old"), _Layout(new, "new"), party, authority).run()


# --- Where each character stands ----------------------------------------------------------

_TEXT, _MARK = "text", "mark"
_NEWLINE = re.compile("\n")
_TOP = -1  # not inside any group


@dataclass
class _GroupInfo:
    parties: tuple[str, ...]
    owner: tuple[str, ...]  # parties of the nearest attributed group around it (itself included)
    parent: int
    line: int
    column: int
    start: int
    end: int = 0
    words: int = 0  # non-space characters of text in it, nested groups included
    alternative: bool = False  # another group stands right beside it (nothing but spaces between)


@dataclass(frozen=True)
class _Segment:
    start: int
    end: int
    role: str
    group: int


class _Layout:
    """One side: the groups of the text and, for every character, its role and innermost group."""

    def __init__(self, text: str, side: str) -> None:
        self.text, self.side = text, side
        self.document = brackets.parse(text).document
        self.groups: list[_GroupInfo] = []
        self.segments: list[_Segment] = []
        self._build()
        self.starts = [segment.start for segment in self.segments]
        self.line_starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]

    def _add(self, start: int, length: int, role: str, group: int) -> int:
        if length:
            self.segments.append(_Segment(start, start + length, role, group))
        return start + length

    def _build(self) -> None:
        document = self.document
        offset = self._add(0, len(document.leading), _TEXT, _TOP)
        for index, paragraph in enumerate(document.paragraphs):
            if index:
                separators = document.separators
                gap = separators[index - 1] if index <= len(separators) else "\n\n"
                offset = self._add(offset, len(gap), _TEXT, _TOP)
            if paragraph.number is not None:
                number = paragraph.number + (paragraph.number_space or " ")
                offset = self._add(offset, len(number), _TEXT, _TOP)
            stack: list[int] = []
            for kind, node in brackets.walk(paragraph.children):
                inner = stack[-1] if stack else _TOP
                if kind == "text":
                    start = offset
                    offset = self._add(offset, len(node.raw), _TEXT, inner)
                    words = _non_space(self.text[start:offset])
                    if inner != _TOP:
                        self.groups[inner].words += words
                elif kind == "open":
                    owner = node.parties or (self.groups[inner].owner if stack else ())
                    info = _GroupInfo(node.parties, owner, inner, node.line, node.column, offset)
                    self.groups.append(info)
                    stack.append(len(self.groups) - 1)
                    mark = 1 + len(brackets.attribution_notation(node))
                    offset = self._add(offset, mark, _MARK, stack[-1])
                else:
                    closing = stack.pop()
                    offset = self._add(offset, 1 if node.closed else 0, _MARK, closing)
                    self.groups[closing].end = offset
        self._add(offset, len(document.trailing), _TEXT, _TOP)
        # Pre-order: a group comes before its children, so children add up into parents.
        for info in reversed(self.groups):
            if info.parent != _TOP:
                self.groups[info.parent].words += info.words
        previous_by_parent: dict[int, _GroupInfo] = {}
        for info in self.groups:
            previous = previous_by_parent.get(info.parent)
            if previous is not None and not self.text[previous.end : info.start].strip():
                previous.alternative = info.alternative = True
            previous_by_parent[info.parent] = info

    def pieces(self, start: int, end: int) -> Iterator[_Segment]:
        """The segments covering ``[start, end)``, cut to it."""
        index = max(bisect_right(self.starts, start) - 1, 0)
        while index < len(self.segments) and self.segments[index].start < end:
            segment = self.segments[index]
            low, high = max(segment.start, start), min(segment.end, end)
            if low < high:
                yield _Segment(low, high, segment.role, segment.group)
            index += 1

    def at(self, offset: int) -> _Segment | None:
        pieces = list(self.pieces(offset, offset + 1))
        return pieces[0] if pieces else None

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def owner(self, group: int) -> tuple[str, ...]:
        return () if group == _TOP else self.groups[group].owner

    def quote(self, group: int) -> str:
        info = self.groups[group]
        notation = " ".join(self.text[info.start : info.end].split())
        return notation if len(notation) <= 60 else notation[:57] + "…]"


# --- Aligning the two sides ------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A stretch of the diff: equal (both offsets), deleted (old only) or inserted (new only)."""

    kind: str  # "equal", "delete", "insert", "moved"
    old: int  # start in the old text, or -1
    new: int  # start in the new text, or -1
    length: int


def _align(old: str, new: str) -> list[_Run]:
    """The word diff as runs, each replaced stretch refined token by token.

    The diff engine merges nearby changes so that a reworded phrase reads as one replacement;
    here a short group between two changes must still count as kept, so every deletion followed
    by an insertion is diffed again on tokens. A deleted stretch inserted unchanged elsewhere is a
    move: its words are kept, in another place.
    """
    runs: list[_Run] = []
    ops = diff.diff_text(old, new)
    i = j = 0
    index = 0
    while index < len(ops):
        op = ops[index]
        if op.kind == "equal":
            runs.append(_Run("equal", i, j, len(op.text)))
            i, j = i + len(op.text), j + len(op.text)
        elif op.kind == "delete" and index + 1 < len(ops) and ops[index + 1].kind == "insert":
            inserted = ops[index + 1].text
            runs += _refine(op.text, inserted, i, j)
            i, j = i + len(op.text), j + len(inserted)
            index += 1
        elif op.kind == "delete":
            runs.append(_Run("delete", i, -1, len(op.text)))
            i += len(op.text)
        else:
            runs.append(_Run("insert", -1, j, len(op.text)))
            j += len(op.text)
        index += 1
    return _find_moves(old, new, runs)


# Past this many tokens a replaced stretch is taken as it is: refining it would cost more than
# the rare case it helps.
_REFINE_MAX_TOKENS = 4000


def _refine(deleted: str, inserted: str, i: int, j: int) -> list[_Run]:
    a, b = diff.tokenize(deleted), diff.tokenize(inserted)
    if len(a) + len(b) > _REFINE_MAX_TOKENS:
        return [_Run("delete", i, -1, len(deleted)), _Run("insert", -1, j, len(inserted))]
    a_starts, b_starts = _offsets(a), _offsets(b)
    runs: list[_Run] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        old_start, old_end = i + a_starts[a0], i + a_starts[a1]
        new_start, new_end = j + b_starts[b0], j + b_starts[b1]
        if tag == "equal":
            runs.append(_Run("equal", old_start, new_start, old_end - old_start))
            continue
        if old_end > old_start:
            runs.append(_Run("delete", old_start, -1, old_end - old_start))
        if new_end > new_start:
            runs.append(_Run("insert", -1, new_start, new_end - new_start))
    return runs


def _offsets(tokens: list[str]) -> list[int]:
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _find_moves(old: str, new: str, runs: list[_Run]) -> list[_Run]:
    """Pair a deletion with an insertion of exactly the same words elsewhere: a move."""
    inserted: dict[str, list[int]] = {}
    for index, run in enumerate(runs):
        if run.kind == "insert":
            words = new[run.new : run.new + run.length]
            if words.strip():
                inserted.setdefault(words, []).append(index)
    if not inserted:
        return runs
    for index, run in enumerate(runs):
        if run.kind != "delete":
            continue
        candidates = inserted.get(old[run.old : run.old + run.length])
        if candidates:
            target = candidates.pop(0)
            runs[index] = _Run("moved", run.old, runs[target].new, run.length)
            runs[target] = _Run("moved-in", -1, runs[target].new, 0)
    return [run for run in runs if run.kind != "moved-in"]


# --- Judging -----------------------------------------------------------------------------------


@dataclass
class _Classifier:
    old: _Layout
    new: _Layout
    party: str | None
    authority: Authority
    changes: dict[tuple, Change] = field(default_factory=dict)
    # Old groups with a refused or consent change already named: the shape check skips them.
    named_old: set[int] = field(default_factory=set)
    named_new: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.me = (self.party,) if self.party else ()
        self.free = self.authority in (Authority.DRAFTER, Authority.CHAIR)
        self.old_deleted = [0] * len(self.old.groups)  # non-space characters removed
        self.new_inserted = [0] * len(self.new.groups)  # non-space characters added

    def run(self) -> Classification:
        runs = _align(self.old.text, self.new.text)
        self._count(runs)
        self._pair_kept_groups(runs)
        for run in runs:
            if run.kind == "delete":
                self._deleted(run.old, run.old + run.length)
            elif run.kind == "insert":
                self._inserted(run.new, run.new + run.length)
            else:
                self._kept(run)
        self._check_shapes()
        self._check_nesting()
        ordered = sorted(
            self.changes.values(), key=lambda c: (c.verdict == Verdict.ALLOWED, c.line, c.column)
        )
        return Classification(tuple(ordered))

    # What was added and removed, per group, tells a dropped or new group from an edited one.

    def _count(self, runs: list[_Run]) -> None:
        for run in runs:
            if run.kind == "delete":
                for piece in self.old.pieces(run.old, run.old + run.length):
                    if piece.role == _TEXT and piece.group != _TOP:
                        self.old_deleted[piece.group] += _words(self.old.text, piece)
            elif run.kind == "insert":
                for piece in self.new.pieces(run.new, run.new + run.length):
                    if piece.role == _TEXT and piece.group != _TOP:
                        self.new_inserted[piece.group] += _words(self.new.text, piece)
        for counts, layout in ((self.old_deleted, self.old), (self.new_inserted, self.new)):
            for index in reversed(range(len(layout.groups))):
                parent = layout.groups[index].parent
                if parent != _TOP:
                    counts[parent] += counts[index]

    def _pair_kept_groups(self, runs: list[_Run]) -> None:
        """Groups whose opening bracket and attribution the diff kept: the same group on both
        sides, however much of its words changed (``[EU: 80]`` to ``[EU: 95]`` rewrites the EU's
        group; it does not drop one and add another)."""
        new_starts = {info.start: index for index, info in enumerate(self.new.groups)}
        equal = [run for run in runs if run.kind == "equal"]
        equal_starts = [run.old for run in equal]
        self.kept_old: set[int] = set()
        self.twin_of_new: dict[int, int] = {}
        for index, info in enumerate(self.old.groups):
            at = bisect_right(equal_starts, info.start) - 1
            run = equal[at] if at >= 0 else None
            if run is not None and info.start < run.old + run.length:
                twin = new_starts.get(info.start + run.new - run.old)
                # The same group keeps its sponsors, but for the actor joining or leaving.
                if twin is not None and not (
                    set(info.parties) ^ set(self.new.groups[twin].parties)
                ) - set(self.me):
                    self.kept_old.add(index)
                    self.twin_of_new[twin] = index

    def _dropped(self, group: int) -> bool:
        info = self.old.groups[group]
        return (
            info.words > 0 and self.old_deleted[group] == info.words and group not in self.kept_old
        )

    def _added(self, group: int) -> bool:
        info = self.new.groups[group]
        return (
            info.words > 0
            and self.new_inserted[group] == info.words
            and group not in self.twin_of_new
        )

    def _outermost(self, layout: _Layout, group: int, test) -> int:
        while layout.groups[group].parent != _TOP and test(layout.groups[group].parent):
            group = layout.groups[group].parent
        return group

    # Removed text.

    def _deleted(self, start: int, end: int) -> None:
        for piece in self.old.pieces(start, end):
            if piece.role == _MARK:
                continue
            words = self.old.text[piece.start : piece.end]
            if piece.group == _TOP:
                if words.isspace() and self._beside_changed_group(self.old, piece, self._dropped):
                    continue
                self._common_text(self.old, piece.start)
            elif self._dropped(piece.group):
                self._dropped_group(self._outermost(self.old, piece.group, self._dropped))
            elif words.isspace() and self._beside_changed_group(self.old, piece, self._dropped):
                continue
            elif self._mine(self.old.owner(piece.group)):
                info = self.old.groups[piece.group]
                self._note(
                    Verdict.ALLOWED,
                    "own-language",
                    self.me,
                    info,
                    ("old", piece.group),
                    f"You change your own language at line {info.line}, column {info.column}.",
                )
            else:
                self._words_changed(self.old, piece.group, self.named_old)

    def _dropped_group(self, group: int) -> None:
        info = self.old.groups[group]
        owners = self._owners_within(group)
        where = f"{_who(info.owner)}group at line {info.line}, column {info.column} "
        quote = f"({self.old.quote(group)})"
        if self.me and owners == {self.me}:
            self._note(
                Verdict.ALLOWED,
                "own-group-withdrawn",
                info.owner,
                info,
                ("old", group),
                f"You withdraw your {where}{quote}.",
            )
        elif owners == {()} and self.authority == Authority.DRAFTER:
            self._note(
                Verdict.ALLOWED,
                "draft-brackets",
                (),
                info,
                ("old", group),
                f"You drop the {where}{quote} from your draft.",
            )
        else:
            named = () if () in owners else tuple(sorted({p for o in owners for p in o}))
            self.named_old.add(group)
            self._note(
                Verdict.CONSENT,
                "drop-alternative",
                named,
                info,
                ("old", group),
                f"Removing the {where}{quote} drops an alternative {_sponsors(named)}: "
                "propose a resolution; it takes effect when they consent.",
            )

    def _owners_within(self, group: int) -> set[tuple[str, ...]]:
        """The owners of every word in a group, its nested groups included."""
        info = self.old.groups[group]
        return {
            self.old.owner(piece.group)
            for piece in self.old.pieces(info.start, info.end)
            if piece.role == _TEXT and self.old.text[piece.start : piece.end].strip()
        }

    # Added text.

    def _inserted(self, start: int, end: int) -> None:
        for piece in self.new.pieces(start, end):
            if piece.role == _MARK:
                continue
            words = self.new.text[piece.start : piece.end]
            if piece.group == _TOP:
                if words.isspace() and self._beside_changed_group(self.new, piece, self._added):
                    continue
                self._common_text(self.new, piece.start)
                continue
            owner = self.new.owner(piece.group)
            info = self.new.groups[piece.group]
            if self._mine(owner):
                self._note(
                    Verdict.ALLOWED,
                    "own-language",
                    owner,
                    info,
                    ("new", piece.group),
                    f"You write your own language at line {info.line}, column {info.column}.",
                )
            elif words.isspace() and self._beside_changed_group(self.new, piece, self._added):
                continue
            elif self._added(piece.group) and owner:
                self.named_new.add(piece.group)
                self._note(
                    Verdict.PROPOSAL,
                    "names-other-party",
                    owner,
                    info,
                    ("new", piece.group),
                    f"The new group at line {info.line}, column {info.column} "
                    f"({self.new.quote(piece.group)}) speaks for {_codes(owner)}: "
                    f"{self._write_as()} submit a proposal to change another party's text.",
                )
            else:
                self._words_changed(self.new, piece.group, self.named_new)

    # Kept text, perhaps in another place or under another attribution.

    def _kept(self, run: _Run) -> None:
        old_pieces = list(self.old.pieces(run.old, run.old + run.length))
        for old_piece in old_pieces:
            if old_piece.role == _MARK:
                continue
            shift = run.new - run.old
            for new_piece in self.new.pieces(old_piece.start + shift, old_piece.end + shift):
                if new_piece.role == _MARK:
                    continue
                if run.kind == "moved":
                    self._moved(old_piece, run)
                self._owner_change(old_piece, new_piece)

    def _moved(self, piece: _Segment, run: _Run) -> None:
        """Words moved elsewhere: the actor's own, or common text the actor may change."""
        owner = self.old.owner(piece.group)
        if self._mine(owner):
            return
        if not self.old.text[piece.start : piece.end].strip():
            return
        if owner and self._carried(piece.group, run):
            return  # a whole group moved with the paragraph around it: its words are intact
        if owner:
            self._words_changed(self.old, piece.group, self.named_old)
        else:
            self._common_text(self.old, piece.start)

    def _carried(self, group: int, run: _Run) -> bool:
        top = group
        while self.old.groups[top].parent != _TOP:
            top = self.old.groups[top].parent
        info = self.old.groups[top]
        return run.old <= info.start and info.end <= run.old + run.length and self.free

    def _owner_change(self, old_piece: _Segment, new_piece: _Segment) -> None:
        was, now = self.old.owner(old_piece.group), self.new.owner(new_piece.group)
        was_bracketed, now_bracketed = old_piece.group != _TOP, new_piece.group != _TOP
        if (was, was_bracketed) == (now, now_bracketed):
            return
        if not self.old.text[old_piece.start : old_piece.end].strip():
            return  # spaces between groups belong to no one in particular
        old_info = self.old.groups[old_piece.group] if was_bracketed else None
        new_info = self.new.groups[new_piece.group] if now_bracketed else None
        line, column = self.old.position(old_piece.start)
        me = set(self.me)
        if not was and not was_bracketed and not now:
            self._note(
                Verdict.ALLOWED,
                "bracketed-common-text",
                (),
                new_info,
                ("new", new_piece.group),
                "You bracket common text.",
            )
        elif not now_bracketed:
            if self.authority == Authority.DRAFTER and was in ((), self.me):
                self._note(
                    Verdict.ALLOWED,
                    "draft-brackets",
                    was,
                    old_info,
                    ("old", old_piece.group),
                    "You remove brackets from your draft.",
                )
            else:
                self.named_old.add(old_piece.group)
                # Choosing among alternatives is for their sponsors; a lone insertion made
                # common text changes the common text, which every participant accepts.
                chosen = self._attributed(old_piece.group)
                asked = was if chosen is not None and chosen.alternative else ()
                self._note(
                    Verdict.CONSENT,
                    "unbracket",
                    asked,
                    old_info,
                    ("old", old_piece.group),
                    f"Making the {_who(was)}group at line {old_info.line}, column "
                    f"{old_info.column} ({self.old.quote(old_piece.group)}) common text "
                    f"removes brackets {_sponsors(asked)}: propose a resolution; it takes "
                    "effect when they consent.",
                )
        elif was and me and set(now) == set(was) | me and not me & set(was):
            self._note(
                Verdict.ALLOWED,
                "joined",
                now,
                new_info,
                ("new", new_piece.group),
                f"You join the {_who(was)}group at line {new_info.line}, column {new_info.column}.",
            )
        elif was and me <= set(was) and me and set(now) == set(was) - me and now:
            self._note(
                Verdict.ALLOWED,
                "left",
                now,
                old_info,
                ("old", old_piece.group),
                f"You leave the {_who(was)}group at line {old_info.line}, column "
                f"{old_info.column}; it stays with {_codes(now)}.",
            )
        elif was == self.me and was and not now:
            self._note(
                Verdict.ALLOWED,
                "left",
                (),
                old_info,
                ("old", old_piece.group),
                f"You take your name off the group at line {old_info.line}, column "
                f"{old_info.column}; it stays bracketed.",
            )
        elif not was and now == self.me and self.authority == Authority.DRAFTER:
            self._note(
                Verdict.ALLOWED,
                "draft-brackets",
                now,
                new_info,
                ("new", new_piece.group),
                "You attribute text of your own draft to your party.",
            )
        else:
            self.named_old.add(old_piece.group)
            self.named_new.add(new_piece.group)
            before = f"{_codes(was)}'s language" if was else "common text"
            after = f"{_codes(now)}'s language" if now else "unattributed brackets"
            self.changes.setdefault(
                ("reattribution", line, column),
                Change(
                    Verdict.PROPOSAL,
                    "reattribution",
                    tuple(sorted(set(was) | set(now))),
                    line,
                    column,
                    f"At line {line}, column {column} {before} would become {after}: "
                    f"{self._write_as()} submit a proposal to change who speaks for it.",
                ),
            )

    # Shared judgements.

    def _words_changed(self, layout: _Layout, group: int, named: set[int]) -> None:
        """Words added to or removed from a group that is not the actor's alone."""
        named.add(group)
        if layout is self.new and group in self.twin_of_new:
            # The same group as on the old side: name it once, where it stood.
            layout, group, named = self.old, self.twin_of_new[group], self.named_old
        info = layout.groups[group]
        owner = info.owner
        if not owner and self.free:
            self._note(
                Verdict.ALLOWED,
                "unattributed-brackets",
                (),
                info,
                (layout.side, group),
                f"You edit the unattributed brackets at line {info.line}, column {info.column}.",
            )
            return
        named.add(group)
        where = f"line {info.line}, column {info.column} ({layout.quote(group)})"
        if not owner:
            message = (
                f"The unattributed brackets at {where} are the chair's to edit: "
                f"{self._write_as()} submit a proposal."
            )
            kind = "unattributed-brackets"
        elif set(self.me) & set(owner):
            message = (
                f"The group at {where} is sponsored by {_codes(owner)} together: its words "
                "change only with every sponsor; submit a proposal (or leave the group)."
            )
            kind = "co-sponsored-language"
        else:
            message = (
                f"The {_who(owner)}group at {where} is {_codes(owner)}'s language: only its "
                "delegation changes its words; submit a proposal."
            )
            kind = "other-party-language"
        self._note(Verdict.PROPOSAL, kind, owner, info, (layout.side, group), message)

    def _common_text(self, layout: _Layout, offset: int) -> None:
        line, column = layout.position(offset)
        if self.free:
            key = ("common-text", "allowed")
            if key not in self.changes:
                self.changes[key] = Change(
                    Verdict.ALLOWED, "common-text", (), line, column, "You edit common text."
                )
            return
        key = ("common-text", line)
        self.changes.setdefault(
            key,
            Change(
                Verdict.PROPOSAL,
                "common-text",
                (),
                line,
                column,
                f"Your change alters common text at line {line}, column {column}: common text "
                "of a tabled provision changes by consensus; submit a proposal, or bracket the "
                "words and add your alternative.",
            ),
        )

    def _beside_changed_group(self, layout: _Layout, piece: _Segment, changed) -> bool:
        """Spaces that only separate a group being added or dropped from its neighbours."""
        for offset in (piece.start - 1, piece.end):
            neighbour = layout.at(offset) if 0 <= offset < len(layout.text) else None
            if (
                neighbour is not None
                and neighbour.role == _MARK
                and neighbour.group != _TOP
                and (changed(neighbour.group) or self._mine(layout.owner(neighbour.group)))
            ):
                return True
        return False

    def _note(self, verdict, kind, parties, info, key, message) -> None:
        line, column = (info.line, info.column) if info is not None else (0, 0)
        self.changes.setdefault(
            (kind, key), Change(verdict, kind, tuple(parties), line, column, message)
        )

    def _attributed(self, group: int) -> _GroupInfo | None:
        """The nearest old group in someone's name around the words of ``group``."""
        while group != _TOP and not self.old.groups[group].parties:
            group = self.old.groups[group].parent
        return None if group == _TOP else self.old.groups[group]

    def _mine(self, owner: tuple[str, ...]) -> bool:
        """Whether words owned by ``owner`` are the actor's alone (the chair owns none)."""
        return bool(self.me) and owner == self.me

    def _write_as(self) -> str:
        if self.party:
            return f"write new words as [{self.party}: ...], or"
        return "the chair writes a party's language only by incorporating its proposal;"

    # Groups naming other parties keep their shape.

    def _check_shapes(self) -> None:
        old_shapes = self._shapes(self.old)
        new_shapes = self._shapes(self.new)
        missing = old_shapes["count"] - new_shapes["count"]
        extra = new_shapes["count"] - old_shapes["count"]
        for shape in missing:
            for group in old_shapes["groups"][shape]:
                if group in self.named_old:
                    break
            else:
                group = old_shapes["groups"][shape][0]
                info = self.old.groups[group]
                self._note(
                    Verdict.PROPOSAL,
                    "other-party-language",
                    info.owner,
                    info,
                    ("shape", group),
                    f"The {_who(info.owner)}group at line {info.line}, column {info.column} "
                    f"({self.old.quote(group)}) is {_codes(info.owner)}'s language and would "
                    "change shape: only its delegation changes it; submit a proposal.",
                )
        for shape in extra:
            groups = new_shapes["groups"][shape]
            if any(group in self.named_new for group in groups):
                continue
            group = groups[-1]
            info = self.new.groups[group]
            self._note(
                Verdict.PROPOSAL,
                "names-other-party",
                info.owner,
                info,
                ("shape-new", group),
                f"The group at line {info.line}, column {info.column} "
                f"({self.new.quote(group)}) speaks for {_codes(info.owner)}: "
                f"{self._write_as()} submit a proposal to change another party's text.",
            )

    # Groups keep their place in the tree: none moves into or out of another, and no bracket
    # around other parties' words or unattributed words disappears while its words stay.

    def _check_nesting(self) -> None:
        twins = self._twins()
        for index, info in enumerate(self.old.groups):
            if self._mine(info.owner) or index in self.named_old or self._dropped(index):
                continue
            twin = twins.get(index)
            if twin is None:
                self._brackets_gone(index, info)
            elif self._parent_moved(index, twin, twins):
                self.named_old.add(index)
                self._note(
                    Verdict.PROPOSAL,
                    "other-party-language" if info.owner else "unattributed-brackets",
                    info.owner,
                    info,
                    ("nesting", index),
                    f"The {_who(info.owner)}group at line {info.line}, column {info.column} "
                    f"({self.old.quote(index)}) would move into or out of another group: "
                    "its place in the text is not yours to change; submit a proposal.",
                )

    def _twins(self) -> dict[int, int]:
        """Old group → the same group on the new side: kept by the diff, else the next one with
        the same sponsors (the actor aside) and the same words of its own."""
        twins = {old: new for new, old in self.twin_of_new.items()}
        taken = set(twins.values())
        waiting: dict[tuple, list[int]] = {}
        for index in range(len(self.new.groups)):
            if index not in taken:
                waiting.setdefault(self._identity(self.new, index), []).append(index)
        for index in range(len(self.old.groups)):
            if index not in twins and (candidates := waiting.get(self._identity(self.old, index))):
                twins[index] = candidates.pop(0)
        return twins

    def _identity(self, layout: _Layout, index: int) -> tuple:
        """(sponsors but the actor, own words with spaces collapsed). Its own words only: nested
        groups are judged as groups of their own, and brackets and attribution change when the
        actor joins or leaves."""
        info = layout.groups[index]
        words = "".join(
            layout.text[piece.start : piece.end]
            for piece in layout.pieces(info.start, info.end)
            if piece.group == index and piece.role == _TEXT
        )
        return frozenset(info.parties) - set(self.me), " ".join(words.split())

    def _parent_moved(self, index: int, twin: int, twins: dict[int, int]) -> bool:
        """Whether a group sits in another group than before. Unattributed brackets put around
        it, or taken from around it, are not a move: they are judged as brackets added (free)
        or removed (consent)."""
        kept = set(twins.values())
        parent = self.old.groups[index].parent
        while parent != _TOP and parent not in twins and not self.old.groups[parent].parties:
            parent = self.old.groups[parent].parent
        new_parent = self.new.groups[twin].parent
        while new_parent != _TOP and new_parent not in kept:
            if self.new.groups[new_parent].parties:
                return True  # now inside a new group in someone's name
            new_parent = self.new.groups[new_parent].parent
        if parent == _TOP or new_parent == _TOP:
            return parent != new_parent
        return twins.get(parent) != new_parent

    def _brackets_gone(self, index: int, info: _GroupInfo) -> None:
        """A group whose words stay but whose brackets went: unattributed brackets removed
        (every participant's consent), or another party's group taken apart (a proposal)."""
        self.named_old.add(index)
        where = f"line {info.line}, column {info.column} ({self.old.quote(index)})"
        if not info.parties:
            if self.authority == Authority.DRAFTER and not info.owner:
                return
            self._note(
                Verdict.CONSENT,
                "unbracket",
                (),
                info,
                ("nesting", index),
                f"Removing the brackets at {where} removes brackets that every participant "
                "must accept: propose a resolution; it takes effect when they consent.",
            )
            return
        self._note(
            Verdict.PROPOSAL,
            "other-party-language",
            info.owner,
            info,
            ("nesting", index),
            f"The {_who(info.owner)}group at {where} would be taken apart: only its delegation "
            "changes it; submit a proposal.",
        )

    def _shapes(self, layout: _Layout) -> dict:
        """Each group naming another party, by its identity: its sponsors (the actor aside) and
        its own words."""
        count: Counter = Counter()
        groups: dict[tuple, list[int]] = {}
        for index in range(len(layout.groups)):
            shape = self._identity(layout, index)
            if not shape[0]:
                continue
            count[shape] += 1
            groups.setdefault(shape, []).append(index)
        return {"count": count, "groups": groups}


def _words(text: str, piece: _Segment) -> int:
    return _non_space(text[piece.start : piece.end])


def _non_space(text: str) -> int:
    return len("".join(text.split()))


def _codes(parties: tuple[str, ...]) -> str:
    return ", ".join(parties) if parties else "no party"


def _who(parties: tuple[str, ...]) -> str:
    return f"{', '.join(parties)} " if parties else "unattributed "


def _sponsors(parties: tuple[str, ...]) -> str:
    return f"sponsored by {_codes(parties)}" if parties else "that every participant must accept"
