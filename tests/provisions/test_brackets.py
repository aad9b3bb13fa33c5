"""Bracket notation: parsing, errors with positions, round trip, counts and rendering."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.brackets import (
    BracketCount,
    BracketError,
    Document,
    Group,
    Paragraph,
    Text,
    count_brackets,
    parse,
    plain_text,
    to_html,
    to_notation,
    validate,
)

PARTIES = {"US", "EU", "JP"}


def _only_paragraph(source: str) -> Paragraph:
    result = parse(source, PARTIES)
    assert result.ok, result.errors
    (paragraph,) = result.document.paragraphs
    return paragraph


def _errors(source: str, party_codes: set[str] | None = PARTIES) -> list[tuple[int, int, str]]:
    return [(error.line, error.column, error.code) for error in parse(source, party_codes).errors]


# --- Constructs -------------------------------------------------------------------------------


def test_text_without_brackets_is_one_text_node():
    paragraph = _only_paragraph("Each Party shall maintain price floors.")
    assert paragraph.number is None
    assert paragraph.children == (Text("Each Party shall maintain price floors."),)


def test_unattributed_group():
    paragraph = _only_paragraph("Each Party [shall] act.")
    group = paragraph.children[1]
    assert group == Group(
        parties=(), attribution_raw="", children=(Text("shall"),), line=1, column=12, closed=True
    )


def test_attributed_group_has_parties_and_raw_attribution():
    paragraph = _only_paragraph("Each Party [US: shall] act.")
    group = paragraph.children[1]
    assert isinstance(group, Group)
    assert group.parties == ("US",)
    assert group.attribution_raw == "US: "
    assert group.children == (Text("shall"),)


@pytest.mark.parametrize(
    "attribution", ["EU, JP: ", "EU,JP: ", "EU , JP: ", "EU\t,  JP:  ", "EU, JP:\n"]
)
def test_multi_party_attribution_tolerates_whitespace_around_commas(attribution):
    group = _only_paragraph(f"[{attribution}price floors]").children[0]
    assert isinstance(group, Group)
    assert group.parties == ("EU", "JP")
    assert group.attribution_raw == attribution
    assert group.children == (Text("price floors"),)


def test_adjacent_groups_are_alternatives():
    children = _only_paragraph("Each Party [US: shall][EU: should] act.").children
    assert [type(child) for child in children] == [Text, Group, Group, Text]
    assert [child.parties for child in children if isinstance(child, Group)] == [("US",), ("EU",)]


def test_groups_nest():
    (outer,) = _only_paragraph("[price floors [EU: and price-gap subsidies]]").children
    assert isinstance(outer, Group)
    assert outer.parties == ()
    text, inner = outer.children
    assert text == Text("price floors ")
    assert isinstance(inner, Group)
    assert (inner.parties, inner.line, inner.column) == (("EU",), 1, 15)
    assert inner.children == (Text("and price-gap subsidies"),)


def test_escaped_brackets_are_literal_text():
    paragraph = _only_paragraph(r"the word \[sic\] stays")
    assert paragraph.children == (Text(r"the word \[sic\] stays"),)
    assert paragraph.children[0].text == "the word [sic] stays"


def test_other_backslashes_are_literal():
    paragraph = _only_paragraph(r"C:\path \n and \\ [US: a\b]")
    assert paragraph.children[0] == Text("C:\\path \\n and \\\\ ")
    group = paragraph.children[1]
    assert isinstance(group, Group)
    assert group.children == (Text(r"a\b"),)


def test_backslash_before_escape_is_literal_then_escape():
    # "\\[" is a literal backslash followed by the escape "\[": no group opens.
    paragraph = _only_paragraph("a \\\\[b")
    assert paragraph.children == (Text("a \\\\[b"),)
    assert paragraph.children[0].text == "a \\[b"


@pytest.mark.parametrize("source", ["[Note: not agreed]", "[US and EU: x]", "[10 per cent]"])
def test_colon_after_non_code_text_is_not_an_attribution(source):
    (group,) = _only_paragraph(source).children
    assert isinstance(group, Group)
    assert group.parties == ()
    assert group.attribution_raw == ""


def test_colon_after_nested_bracket_or_newline_is_not_an_attribution():
    (group,) = _only_paragraph("[A [US: b] C: d]").children
    assert isinstance(group, Group)
    assert group.parties == ()
    (group,) = _only_paragraph("[AB\nCD: x]").children
    assert isinstance(group, Group)
    assert group.parties == ()


# --- Paragraphs and numbering -----------------------------------------------------------------


def test_blank_lines_separate_paragraphs_and_single_newlines_do_not():
    source = "\n  \nFirst line\nstill first.\n \t \n\nSecond.\n"
    document = parse(source).document
    assert [p.children for p in document.paragraphs] == [
        (Text("First line\nstill first."),),
        (Text("Second."),),
    ]
    assert document.leading == "\n  \n"
    assert document.separators == ("\n \t \n\n",)
    assert document.trailing == "\n"


def test_whitespace_only_text_has_no_paragraphs():
    result = parse(" \n\n\t")
    assert result.ok
    assert result.document.paragraphs == ()
    assert to_notation(result.document) == " \n\n\t"


@pytest.mark.parametrize(
    "number", ["1.", "12.", "2.3", "2.3.", "(a)", "(B)", "(iv)", "(xii)", "(7)"]
)
def test_paragraph_numbering(number):
    paragraph = _only_paragraph(f"{number} Each Party [US: shall] act.")
    assert paragraph.number == number
    assert paragraph.number_space == " "
    assert paragraph.children[0] == Text("Each Party ")


@pytest.mark.parametrize(
    "source",
    [
        "Article 3 applies.",
        "2024 was a year.",
        "1.2.3 deep",
        "(ab) two letters",
        "1.5m tonnes",
        "1",
    ],
)
def test_text_that_is_not_numbering(source):
    paragraph = _only_paragraph(source)
    assert paragraph.number is None
    assert paragraph.children == (Text(source),)


def test_indented_numbering_counts_and_numbering_applies_per_paragraph():
    document = parse("  1. First.\n\n(a)\tSecond.\n\n[US: 2.] not numbered").document
    assert [p.number for p in document.paragraphs] == ["1.", "(a)", None]
    assert document.leading == "  "
    assert document.paragraphs[1].number_space == "\t"


# --- Errors -----------------------------------------------------------------------------------


def test_unclosed_bracket_is_reported_at_the_opening_bracket():
    (error,) = parse("Each Party\nshall [US: maintain price floors.").errors
    assert error == BracketError(
        line=2,
        column=7,
        code="unclosed-bracket",
        message="Bracket opened at line 2, column 7 is never closed.",
    )


def test_unopened_bracket_is_reported_at_the_closing_bracket():
    (error,) = parse("Each Party shall] act.").errors
    assert (error.line, error.column, error.code) == (1, 17, "unopened-bracket")
    assert "line 1, column 17" in error.message


def test_group_cannot_span_a_paragraph_break():
    result = parse("[price floors\n\nand subsidies]")
    assert _errors("[price floors\n\nand subsidies]") == [
        (1, 1, "unclosed-bracket"),
        (3, 14, "unopened-bracket"),
    ]
    first, second = result.document.paragraphs
    (group,) = first.children
    assert isinstance(group, Group)
    assert not group.closed
    assert second.children == (Text("and subsidies]"),)


def test_unknown_party_is_reported_at_the_code():
    (error,) = parse("x [EU, XX: y]", PARTIES).errors
    assert error.as_dict() == {
        "line": 1,
        "column": 8,
        "code": "unknown-party",
        "message": "Unknown party code 'XX' (known: EU, JP, US).",
    }


def test_unknown_party_keeps_the_group_attributed():
    result = parse("[XX: y]", PARTIES)
    (group,) = result.document.paragraphs[0].children
    assert isinstance(group, Group)
    assert group.parties == ("XX",)


def test_party_codes_are_not_checked_without_a_list():
    assert parse("[XX, ZZ9: y]").ok
    assert _errors("[XX: y]", set()) == [(1, 2, "unknown-party")]
    assert parse("[XX: y]", set()).errors[0].message == "Unknown party code 'XX' (known: none)."


@pytest.mark.parametrize(
    ("source", "column"), [("a [] b", 3), ("a [ \n ] b", 3), ("a [US: ] b", 3), ("[US:]", 1)]
)
def test_empty_group(source, column):
    (error,) = parse(source, PARTIES).errors
    assert (error.line, error.column, error.code) == (1, column, "empty-group")
    assert error.message == f"Bracket group opened at line 1, column {column} is empty."


def test_group_holding_only_a_group_is_not_empty():
    assert _errors("[[]]") == [(1, 2, "empty-group")]


@pytest.mark.parametrize(
    ("source", "column", "says"),
    [
        ("[US EU: x]", 2, "'US EU'"),
        ("[US,: x]", 2, "empty entry"),
        ("[US,,EU: x]", 2, "empty entry"),
        ("[: x]", 2, "names no party"),
        ("[U: x]", 2, "'U'"),
        ("[1US: x]", 2, "'1US'"),
        ("[ABCDEFGHI: x]", 2, "'ABCDEFGHI'"),
        ("[ US: x]", 2, "malformed"),
        ("[US , EU,US: x]", 10, "more than once"),
        ("[US:x]", 4, "followed by a space"),
    ],
)
def test_malformed_attribution(source, column, says):
    (error,) = parse(source, PARTIES).errors
    assert (error.line, error.column, error.code) == (1, column, "malformed-attribution")
    assert says in error.message


def test_malformed_attribution_stays_as_text_in_an_unattributed_group():
    result = parse("[US EU: x]")
    (group,) = result.document.paragraphs[0].children
    assert isinstance(group, Group)
    assert (group.parties, group.attribution_raw) == ((), "")
    assert group.children == (Text("US EU: x"),)


def test_every_error_is_reported_in_text_order():
    source = "1. [XX: a] ]\n[] and [US EU: b]\n\n(a) [US: open\n\n[EU:x] fine"
    assert _errors(source) == [
        (1, 5, "unknown-party"),
        (1, 12, "unopened-bracket"),
        (2, 1, "empty-group"),
        (2, 9, "malformed-attribution"),
        (4, 5, "unclosed-bracket"),
        (6, 4, "malformed-attribution"),
    ]


def test_columns_count_characters_and_crlf_lines():
    assert _errors("é€ [US: a\r\nb] ]") == [(2, 4, "unopened-bracket")]


def test_validate_returns_the_errors():
    assert validate("[US: a]", PARTIES) == ()
    assert [error.code for error in validate("[XX: a", PARTIES)] == [
        "unclosed-bracket",
        "unknown-party",
    ]


# --- Round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\n\n",
        "  1.  [US, EU:\tx][JP: y]  \n\n\n(iv) z\\[ ] [ \n",
        "[[[",
        "]]] [US,,: ] \\",
        "a\r\n\r\nb",
    ],
)
def test_to_notation_gives_back_the_source(source):
    assert to_notation(parse(source).document) == source


def test_to_notation_fills_in_what_a_built_document_leaves_out():
    document = Document(
        paragraphs=(
            Paragraph(number="1.", children=(Group(parties=("EU", "JP"), children=(Text("a"),)),)),
            Paragraph(children=(Text("b"),)),
        )
    )
    assert to_notation(document) == "1. [EU, JP: a]\n\nb"


def test_deep_nesting_does_not_hit_the_recursion_limit():
    source = "[" * 5000 + "x" + "]" * 5000
    result = parse(source)
    assert result.ok
    assert to_notation(result.document) == source
    assert count_brackets(result.document).total == 5000
    assert plain_text(result.document) == "x"
    assert to_html(result.document).count('class="bracket-mark"') == 10000


# --- Counts -----------------------------------------------------------------------------------


def test_count_brackets_per_party():
    source = (
        "1. [US: shall][EU: should] maintain [price floors [EU, JP: and subsidies]].\n\n"
        "(a) [GB: x] \\[not a group\\] [y"
    )
    count = count_brackets(parse(source).document)
    assert count == BracketCount(
        total=6, unattributed=2, by_party={"EU": 2, "GB": 1, "JP": 1, "US": 1}
    )
    assert list(count.by_party) == ["EU", "GB", "JP", "US"]
    assert count.as_dict()["total"] == 6


def test_count_brackets_of_clean_text_is_zero():
    assert count_brackets(parse("Agreed text.").document) == BracketCount(0, 0, {})


# --- HTML -------------------------------------------------------------------------------------


def test_html_marks_groups_with_parties_as_text_and_classes():
    html = to_html(parse("1. Each Party [EU, JP: shall] act [now].").document)
    assert html == (
        '<p class="provision-para"><span class="para-num">1.</span> Each Party '
        '<span class="bracket party-eu party-jp" data-parties="EU JP">'
        '<span class="bracket-mark">[</span><span class="bracket-attr">EU, JP:</span> shall'
        '<span class="bracket-mark">]</span></span> act '
        '<span class="bracket bracket-unattributed"><span class="bracket-mark">[</span>now'
        '<span class="bracket-mark">]</span></span>.</p>'
    )


def test_html_escapes_everything():
    source = '<script>alert("x")</script> [US: <b>&amp;</b>] \\[ok\\]\n\n(a) "quoted"'
    html = to_html(parse(source).document)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in html
    assert " [ok]" in html
    assert html.count('<p class="provision-para">') == 2


def test_html_renders_unclosed_groups_without_a_closing_mark():
    html = to_html(parse("a [US: b").document)
    assert html == (
        '<p class="provision-para">a <span class="bracket party-us bracket-unclosed" '
        'data-parties="US"><span class="bracket-mark">[</span>'
        '<span class="bracket-attr">US:</span> b</span></p>'
    )


def test_html_turns_single_newlines_into_line_breaks():
    html = to_html(parse("first\nsecond\r\nthird").document)
    assert html == '<p class="provision-para">first<br>second<br>third</p>'


# --- Plain text -------------------------------------------------------------------------------


def test_plain_text_drops_marks_and_attributions_but_keeps_words():
    source = (
        "1. Each Party [US: shall][EU: should] maintain [price floors [EU, JP: and subsidies]]."
        "\n\n \\[sic\\] [Note: x]"
    )
    assert plain_text(parse(source).document) == (
        "1. Each Party shall should maintain price floors and subsidies.\n\n[sic] Note: x"
    )


# --- Properties -------------------------------------------------------------------------------

NOTATION_ALPHABET = "[]\\:, \n\tUSEJPx(1.)a"


@settings(max_examples=300)
@given(st.text())
def test_any_text_parses_and_round_trips(source):
    result = parse(source, PARTIES)
    assert to_notation(result.document) == source
    to_html(result.document)
    plain_text(result.document)


@settings(max_examples=500)
@given(st.text(alphabet=NOTATION_ALPHABET, max_size=80))
def test_notation_like_text_parses_and_round_trips(source):
    result = parse(source, PARTIES)
    assert to_notation(result.document) == source
    positions = [(error.line, error.column) for error in result.errors]
    assert positions == sorted(positions)
    lines = source.split("\n")
    for line, column in positions:
        assert 1 <= column <= len(lines[line - 1])
    count = count_brackets(result.document)
    assert count.total >= count.unattributed
    assert "<script" not in to_html(result.document)


@dataclass
class _Tally:
    """What a generated document should count."""

    paragraphs: int = 0
    total: int = 0
    unattributed: int = 0
    by_party: Counter[str] = field(default_factory=Counter)


WORDS = st.sampled_from(
    ["shall", "should", "price", "floors", "lithium", "Note:", r"\[sic\]", r"a\b", "1.5", "US"]
)
CODES = ("US", "EU", "JP")


def _content(draw: st.DrawFn, depth: int, tally: _Tally) -> str:
    parts = [draw(WORDS)]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.sampled_from([" ", "", "\n"])))
        if depth < 3 and draw(st.booleans()):
            parts.append(_group(draw, depth + 1, tally))
        else:
            parts.append(draw(WORDS))
    return "".join(parts)


def _group(draw: st.DrawFn, depth: int, tally: _Tally) -> str:
    parties = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3))
    comma = draw(st.sampled_from([", ", ",", " , "]))
    tally.total += 1
    tally.unattributed += not parties
    tally.by_party.update(parties)
    attribution = comma.join(parties) + ": " if parties else ""
    return "[" + attribution + _content(draw, depth, tally) + "]"


@st.composite
def valid_documents(draw: st.DrawFn) -> tuple[str, _Tally]:
    tally = _Tally()
    paragraphs = []
    for _ in range(draw(st.integers(1, 4))):
        number = draw(st.sampled_from(["", "1. ", "2.3 ", "(a) ", "(iv)\t"]))
        paragraphs.append(number + _content(draw, 0, tally))
        tally.paragraphs += 1
    separator = draw(st.sampled_from(["\n\n", "\n \n", "\n\n\n"]))
    edges = st.sampled_from(["", "\n", "  ", "\n\n"])
    return draw(edges) + separator.join(paragraphs) + draw(edges), tally


@settings(max_examples=300)
@given(valid_documents())
def test_valid_documents_parse_without_errors_and_count_every_group(generated):
    source, tally = generated
    result = parse(source, CODES)
    assert result.ok, result.errors
    assert len(result.document.paragraphs) == tally.paragraphs
    assert count_brackets(result.document) == BracketCount(
        total=tally.total,
        unattributed=tally.unattributed,
        by_party=dict(sorted(tally.by_party.items())),
    )
    assert to_notation(result.document) == source
    assert ": " not in plain_text(result.document).replace("Note: ", "")
