"""Bracket notation for negotiating text: parser, tree, validation and renderers.

Square brackets mark language that is not yet agreed::

    1. Each Party [US: shall][EU: should] maintain [price floors [EU, JP: and price-gap subsidies]].

- ``[text]`` is unattributed; ``[US: text]`` / ``[EU, JP: text]`` is attributed to parties.
- Adjacent groups are alternatives; groups nest; ``\\[`` and ``\\]`` are literal brackets.
- Paragraphs are separated by blank lines and may start with numbering (``1.``, ``2.3``, ``(a)``).

``parse`` never raises: it recovers from every error, reports all of them with line and column,
and keeps enough raw text in the tree that ``to_notation`` gives back the input exactly. Everything
else (validation, bracket counts, HTML, search text) reads the tree. Pure Python, no Django.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

UNCLOSED_BRACKET = "unclosed-bracket"
UNOPENED_BRACKET = "unopened-bracket"
UNKNOWN_PARTY = "unknown-party"
EMPTY_GROUP = "empty-group"
MALFORMED_ATTRIBUTION = "malformed-attribution"

# A bracket preceded by a backslash is always an escape: "\\[" reads as a literal "\" (not
# followed by a bracket) and then the escape "\[", so a lookbehind is exact and needs no state.
_BRACKET = re.compile(r"(?<!\\)[\[\]]")
# Only these characters may precede the colon of an attribution attempt; anything else
# (lowercase, "]", "[", a newline) means the colon is ordinary text, as in "[Note: ...]".
_ATTRIBUTION_ATTEMPT = re.compile(r"[A-Z0-9, \t]*:")
_CODE = r"[A-Z][A-Z0-9]{1,7}"
_PARTY_CODE = re.compile(_CODE)
_ATTRIBUTION = re.compile(rf"{_CODE}(?:[ \t]*,[ \t]*{_CODE})*")
_CODE_TOKEN = re.compile(r"[A-Z0-9]+")
_WHITESPACE = re.compile(r"\s*")
# "1.", "2.3", "2.3.", "(12)", "(a)", "(B)", "(iv)" followed by whitespace. "1.2.3" and "2024" are
# deliberately not numbering: a paragraph opening with a figure must not lose it.
_NUMBERING = re.compile(
    r"([0-9]+\.(?:[0-9]+\.?)?|\((?:[0-9]+|[A-Za-z]|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))\))(\s+)"
)


# --- Tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BracketError:
    """One problem in bracket notation, at a 1-based line and column (in characters)."""

    line: int
    column: int
    code: str
    message: str

    def as_dict(self) -> dict[str, int | str]:
        """The error as JSON-ready data for the API and form errors."""
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class Text:
    """A run of text; ``raw`` is the source as written, escapes included."""

    raw: str

    @property
    def text(self) -> str:
        """The text as read, with ``\\[`` and ``\\]`` resolved to brackets."""
        return self.raw.replace("\\[", "[").replace("\\]", "]")


@dataclass(frozen=True)
class Group:
    """A bracketed group: language not yet agreed, optionally attributed to parties.

    ``attribution_raw`` is the attribution exactly as written, colon and following whitespace
    included (``"EU, JP: "``), or ``""``. ``line``/``column`` locate the opening bracket.
    ``closed`` is False when the paragraph ended before the closing bracket.
    """

    parties: tuple[str, ...] = ()
    attribution_raw: str = ""
    children: tuple[Node, ...] = ()
    line: int = 0
    column: int = 0
    closed: bool = True


Node: TypeAlias = Text | Group


@dataclass(frozen=True)
class Paragraph:
    """One paragraph; ``number_space`` is the raw whitespace between the numbering and the text."""

    number: str | None = None
    children: tuple[Node, ...] = ()
    number_space: str = ""


@dataclass(frozen=True)
class Document:
    """A parsed text.

    Paragraphs hold no surrounding whitespace: the blank lines and indentation before the first
    paragraph, between paragraphs and after the last one are kept in ``leading``, ``separators``
    (one fewer than ``paragraphs``) and ``trailing`` so the source can be rebuilt exactly.
    """

    paragraphs: tuple[Paragraph, ...] = ()
    leading: str = ""
    separators: tuple[str, ...] = ()
    trailing: str = ""


@dataclass(frozen=True)
class ParseResult:
    """The tree (always built, even from broken text) and every error found, in text order."""

    document: Document
    errors: tuple[BracketError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class BracketCount:
    """How many bracketed groups a text holds; nested groups count, each group once in ``total``."""

    total: int
    unattributed: int
    by_party: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"total": self.total, "unattributed": self.unattributed, "by_party": self.by_party}


# --- Parsing ----------------------------------------------------------------------------------


def parse(text: str, party_codes: Collection[str] | None = None) -> ParseResult:
    """Parse bracket notation into a tree and collect every error, sorted by line and column.

    Never raises. With ``party_codes``, an attributed code outside it is an "unknown-party"
    error; without it, codes are only checked for form.
    """
    return _Parser(text, party_codes).run()


def validate(text: str, party_codes: Collection[str] | None = None) -> tuple[BracketError, ...]:
    """The errors in ``text`` (empty when it is well formed)."""
    return parse(text, party_codes).errors


@dataclass
class _OpenGroup:
    """A group whose closing bracket has not been seen yet."""

    offset: int
    parties: tuple[str, ...]
    attribution_raw: str
    content_start: int
    children: list[Node] = field(default_factory=list)


class _Parser:
    """Single pass over the text: split paragraphs by lines, then jump from bracket to bracket."""

    def __init__(self, text: str, party_codes: Collection[str] | None) -> None:
        self.text = text
        self.known = None if party_codes is None else frozenset(party_codes)
        self.known_list = ", ".join(sorted(self.known or ())) or "none"
        self.errors: list[BracketError] = []
        self.error_offsets: list[int] = []
        self.line_starts: list[int] = []

    def run(self) -> ParseResult:
        paragraphs: list[Paragraph] = []
        gaps: list[str] = []
        cursor = 0
        for start, end in self._paragraph_spans():
            gaps.append(self.text[cursor:start])
            paragraphs.append(self._paragraph(start, end))
            cursor = end
        document = Document(
            paragraphs=tuple(paragraphs),
            leading=gaps[0] if gaps else "",
            separators=tuple(gaps[1:]),
            trailing=self.text[cursor:],
        )
        # Offsets order errors exactly as (line, column) would, and the sort is stable, so
        # errors at one position keep the order in which they were found.
        order = sorted(range(len(self.errors)), key=self.error_offsets.__getitem__)
        return ParseResult(document=document, errors=tuple(self.errors[i] for i in order))

    def _paragraph_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each paragraph, without its surrounding whitespace."""
        spans: list[tuple[int, int]] = []
        block_start: int | None = None
        block_end = 0
        position = 0
        for line in self.text.split("\n"):
            self.line_starts.append(position)
            if line and not line.isspace():
                if block_start is None:
                    block_start = position
                block_end = position + len(line)
            elif block_start is not None:
                spans.append(self._strip(block_start, block_end))
                block_start = None
            position += len(line) + 1
        if block_start is not None:
            spans.append(self._strip(block_start, block_end))
        return spans

    def _strip(self, start: int, end: int) -> tuple[int, int]:
        block = self.text[start:end]
        return start + len(block) - len(block.lstrip()), end - len(block) + len(block.rstrip())

    def _paragraph(self, start: int, end: int) -> Paragraph:
        numbering = _NUMBERING.match(self.text, start, end)
        if numbering is None:
            return Paragraph(number=None, children=self._body(start, end))
        return Paragraph(
            number=numbering.group(1),
            children=self._body(numbering.end(), end),
            number_space=numbering.group(2),
        )

    def _body(self, start: int, end: int) -> tuple[Node, ...]:
        root: list[Node] = []
        stack: list[_OpenGroup] = []
        text_start = start
        for match in _BRACKET.finditer(self.text, start, end):
            offset = match.start()
            siblings = stack[-1].children if stack else root
            if self.text[offset] == "[":
                self._add_text(siblings, text_start, offset)
                stack.append(self._open(offset, end))
                text_start = stack[-1].content_start
            elif stack:
                self._add_text(siblings, text_start, offset)
                self._close(stack, root, closed=True)
                text_start = offset + 1
            else:
                # The stray bracket stays in the surrounding text so no character is lost.
                self._bracket_error(
                    offset,
                    UNOPENED_BRACKET,
                    "Closing bracket at line {line}, column {column} has no matching opening "
                    "bracket.",
                )
        self._add_text(stack[-1].children if stack else root, text_start, end)
        # A group may not run into the next paragraph: whatever is still open ends here.
        while stack:
            self._close(stack, root, closed=False)
        return tuple(root)

    def _add_text(self, siblings: list[Node], start: int, end: int) -> None:
        if start < end:
            siblings.append(Text(self.text[start:end]))

    def _open(self, offset: int, end: int) -> _OpenGroup:
        content = offset + 1
        attempt = _ATTRIBUTION_ATTEMPT.match(self.text, content, end)
        parties = None if attempt is None else self._attribution(content, attempt.end() - 1, end)
        if parties is None:
            # Not an attribution, or a broken one: its characters stay as text in the group.
            return _OpenGroup(offset, (), "", content)
        after = _WHITESPACE.match(self.text, attempt.end(), end).end()  # type: ignore[union-attr]
        return _OpenGroup(offset, parties, self.text[content:after], after)

    def _attribution(self, start: int, colon: int, end: int) -> tuple[str, ...] | None:
        """The party codes of the attribution ``text[start:colon]``, or None if it is malformed."""
        prefix = self.text[start:colon]
        if not _ATTRIBUTION.fullmatch(prefix):
            self._error(start, MALFORMED_ATTRIBUTION, _malformed_message(prefix))
            return None
        codes = [(token.group(), start + token.start()) for token in _CODE_TOKEN.finditer(prefix)]
        seen: set[str] = set()
        for code, offset in codes:
            if code in seen:
                self._error(
                    offset,
                    MALFORMED_ATTRIBUTION,
                    f"Party code '{code}' appears more than once in attribution '{prefix}:'.",
                )
                return None
            seen.add(code)
        after = colon + 1
        # "[US:]" is allowed here so that it is reported as the empty group it is.
        if after < end and not self.text[after].isspace() and self.text[after] != "]":
            self._error(
                colon,
                MALFORMED_ATTRIBUTION,
                f"Attribution '{prefix}:' must be followed by a space before the text.",
            )
            return None
        if self.known is not None:
            for code, offset in codes:
                if code not in self.known:
                    self._error(offset, UNKNOWN_PARTY, self._unknown_message(code))
        return tuple(code for code, _ in codes)

    def _close(self, stack: list[_OpenGroup], root: list[Node], *, closed: bool) -> None:
        opened = stack.pop()
        line, column = self._position(opened.offset)
        group = Group(
            parties=opened.parties,
            attribution_raw=opened.attribution_raw,
            children=tuple(opened.children),
            line=line,
            column=column,
            closed=closed,
        )
        (stack[-1].children if stack else root).append(group)
        if not closed:
            message = "Bracket opened at line {line}, column {column} is never closed."
            self._bracket_error(opened.offset, UNCLOSED_BRACKET, message, (line, column))
        elif _is_empty(group):
            message = "Bracket group opened at line {line}, column {column} is empty."
            self._bracket_error(opened.offset, EMPTY_GROUP, message, (line, column))

    def _unknown_message(self, code: str) -> str:
        return f"Unknown party code '{code}' (known: {self.known_list})."

    def _position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def _error(
        self, offset: int, code: str, message: str, position: tuple[int, int] | None = None
    ) -> None:
        line, column = position or self._position(offset)
        self.errors.append(BracketError(line=line, column=column, code=code, message=message))
        self.error_offsets.append(offset)

    def _bracket_error(
        self, offset: int, code: str, template: str, position: tuple[int, int] | None = None
    ) -> None:
        """Record an error whose message names the bracket's own ``{line}`` and ``{column}``."""
        line, column = position or self._position(offset)
        message = template.format(line=line, column=column)
        self._error(offset, code, message, (line, column))


def _is_empty(group: Group) -> bool:
    return all(isinstance(child, Text) and not child.raw.strip() for child in group.children)


def _malformed_message(prefix: str) -> str:
    """Say what is wrong with an attribution, as precisely as the prefix allows."""
    example = "write party codes separated by commas, then ': ', e.g. 'EU, JP: '"
    if not prefix.strip():
        return f"Attribution ':' names no party; {example}."
    items = [item.strip(" \t") for item in prefix.split(",")]
    if "" in items:
        return f"Attribution '{prefix}:' has an empty entry between commas; {example}."
    for item in items:
        if not _PARTY_CODE.fullmatch(item):
            return (
                f"'{item}' in attribution '{prefix}:' is not a party code (2 to 8 capital "
                f"letters or digits, starting with a letter); {example}."
            )
    return f"Attribution '{prefix}:' is malformed; {example}."


# --- Walking the tree -------------------------------------------------------------------------

# Walkers are iterative: text like "[[[[..." nests as deep as it likes and must not hit
# Python's recursion limit in rendering any more than in parsing.
Event: TypeAlias = tuple[Literal["text"], Text] | tuple[Literal["open", "close"], Group]


def walk(children: Iterable[Node]) -> Iterator[Event]:
    """Depth-first: ("text", t), ("open", g) ... ("close", g), in source order."""
    iterators: list[Iterator[Node]] = [iter(children)]
    groups: list[Group] = []
    while iterators:
        node = next(iterators[-1], None)
        if node is None:
            iterators.pop()
            if groups:
                yield "close", groups.pop()
        elif isinstance(node, Group):
            yield "open", node
            groups.append(node)
            iterators.append(iter(node.children))
        else:
            yield "text", node


def attribution_notation(group: Group) -> str:
    """The attribution as written, colon and space included (``"EU, JP: "``), or ``""``."""
    # Groups built in code rather than parsed may carry parties without raw text.
    if group.attribution_raw or not group.parties:
        return group.attribution_raw
    return ", ".join(group.parties) + ": "


# --- Output -----------------------------------------------------------------------------------


def to_notation(document: Document) -> str:
    """The bracket notation of ``document``; ``to_notation(parse(s).document) == s`` for any s."""
    out = [document.leading]
    for index, paragraph in enumerate(document.paragraphs):
        if index:
            separators = document.separators
            out.append(separators[index - 1] if index <= len(separators) else "\n\n")
        if paragraph.number is not None:
            out += [paragraph.number, paragraph.number_space or " "]
        for kind, node in walk(paragraph.children):
            if kind == "text":
                out.append(node.raw)
            elif kind == "open":
                out += ["[", attribution_notation(node)]
            elif node.closed:
                out.append("]")
    out.append(document.trailing)
    return "".join(out)


def count_brackets(document: Document) -> BracketCount:
    """Count groups in total, unattributed and per party ("EU, JP: ..." counts for both)."""
    total = unattributed = 0
    by_party: Counter[str] = Counter()
    for paragraph in document.paragraphs:
        for kind, node in walk(paragraph.children):
            if kind == "open":
                total += 1
                by_party.update(node.parties)
                unattributed += not node.parties
    return BracketCount(
        total=total, unattributed=unattributed, by_party=dict(sorted(by_party.items()))
    )


def to_html(document: Document) -> str:
    """Safe HTML: one ``<p class="provision-para">`` per paragraph, groups as styled spans.

    Bracket marks and party codes stay visible as text so that the attribution never depends on
    colour alone. Every piece of source text passes through ``html.escape``.
    """
    return "\n".join(_paragraph_html(paragraph) for paragraph in document.paragraphs)


def _paragraph_html(paragraph: Paragraph) -> str:
    out = ['<p class="provision-para">']
    if paragraph.number is not None:
        out.append(f'<span class="para-num">{html.escape(paragraph.number)}</span> ')
    for kind, node in walk(paragraph.children):
        if kind == "text":
            out.append(_text_html(node.text))
        elif kind == "open":
            out.append(_open_html(node))
        else:
            out.append('<span class="bracket-mark">]</span></span>' if node.closed else "</span>")
    out.append("</p>")
    return "".join(out)


def _open_html(group: Group) -> str:
    if group.parties:
        classes = ["bracket", *(f"party-{code.lower()}" for code in group.parties)]
        parties = html.escape(" ".join(group.parties))
        attributes = f' data-parties="{parties}"'
        label = html.escape(", ".join(group.parties) + ":")
        attribution = f'<span class="bracket-attr">{label}</span> '
    else:
        classes = ["bracket", "bracket-unattributed"]
        attributes = attribution = ""
    if not group.closed:
        classes.append("bracket-unclosed")
    class_names = html.escape(" ".join(classes))
    return (
        f'<span class="{class_names}"{attributes}><span class="bracket-mark">[</span>{attribution}'
    )


def _text_html(text: str) -> str:
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def plain_text(document: Document) -> str:
    """The words of the text without bracket marks or attributions, escapes resolved.

    Paragraphs are separated by a blank line. Where removing a bracket would glue two words
    together ("[US: shall][EU: should]"), a space takes its place.
    """
    return "\n\n".join(_paragraph_plain(paragraph) for paragraph in document.paragraphs)


def _paragraph_plain(paragraph: Paragraph) -> str:
    out: list[str] = [] if paragraph.number is None else [paragraph.number, " "]
    at_bracket = False
    for kind, node in walk(paragraph.children):
        if kind != "text":
            at_bracket = True
            continue
        words = node.text
        # Only letters and digits on both sides: "subsidies]." must not become "subsidies ."
        if at_bracket and out and words and out[-1][-1].isalnum() and words[0].isalnum():
            out.append(" ")
        if words:
            out.append(words)
            at_bracket = False
    return "".join(out)
