"""The word-level diff engine: tokens, operations, readability, renderings and its bounds."""

import html
import re
import time
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.diff import (
    DiffOp,
    DiffStats,
    diff_fields,
    diff_stats,
    diff_text,
    new_text,
    old_text,
    render_inline_html,
    render_side_by_side,
    tokenize,
)
from tests.benchmarks.text import make_text, mutate


def pairs(ops: list[DiffOp]) -> list[tuple[str, str]]:
    return [(op.kind, op.text) for op in ops]


def assert_well_formed(ops: list[DiffOp], old: str, new: str) -> None:
    assert old_text(ops) == old
    assert new_text(ops) == new
    assert all(op.text for op in ops)
    for left, right in pairwise(ops):
        assert left.kind != right.kind
        assert (left.kind, right.kind) != ("insert", "delete")


# Text built from words, punctuation, brackets and whitespace, so that diffs have structure;
# plus arbitrary unicode text for the identities that must hold for any input.
WORDS = ["shall", "should", "may", "Party", "Parties", "cobalt", "nickel", "the", "of", "[US:"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", "] ", "[EU: ", "\\[", "  "]
prose = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=40).map(
    lambda parts: "".join(word + separator for word, separator in parts)
)
any_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" \n\t.,;:[]\\-'’<>&\"")),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=60,
)
texts = st.one_of(prose, any_text)


def test_tokenize_splits_words_whitespace_and_punctuation():
    assert tokenize("Each Party shall,  within 90 days.") == [
        "Each",
        " ",
        "Party",
        " ",
        "shall",
        ",",
        "  ",
        "within",
        " ",
        "90",
        " ",
        "days",
        ".",
    ]


def test_tokenize_keeps_brackets_and_escapes_apart():
    assert tokenize("[US: shall][EU: should]") == [
        "[",
        "US",
        ":",
        " ",
        "shall",
        "]",
        "[",
        "EU",
        ":",
        " ",
        "should",
        "]",
    ]
    assert tokenize(r"a \[literal\] b") == ["a", " ", "\\[", "literal", "\\]", " ", "b"]


def test_tokenize_keeps_compound_words_whole():
    assert tokenize("price-gap Party's Parties’ -x") == [
        "price-gap",
        " ",
        "Party's",
        " ",
        "Parties",
        "’",
        " ",
        "-",
        "x",
    ]


@given(texts)
def test_tokenize_joins_back_to_the_text(text):
    assert "".join(tokenize(text)) == text


def test_replaced_word_shows_as_delete_then_insert():
    ops = diff_text("Each Party shall notify.", "Each Party should notify.")
    assert pairs(ops) == [
        ("equal", "Each Party "),
        ("delete", "shall"),
        ("insert", "should"),
        ("equal", " notify."),
    ]


def test_inserted_word():
    ops = diff_text("shall apply", "shall not apply")
    assert pairs(ops) == [("equal", "shall "), ("insert", "not "), ("equal", "apply")]


def test_deleted_word():
    ops = diff_text("cobalt, nickel and lithium", "cobalt and lithium")
    assert pairs(ops) == [("equal", "cobalt"), ("delete", ", nickel"), ("equal", " and lithium")]


def test_changed_punctuation_alone():
    ops = diff_text("cobalt, nickel", "cobalt; nickel")
    assert pairs(ops) == [
        ("equal", "cobalt"),
        ("delete", ","),
        ("insert", ";"),
        ("equal", " nickel"),
    ]


def test_bracketed_text_changes_only_the_word():
    ops = diff_text("[US: shall]", "[US: should]")
    assert pairs(ops) == [
        ("equal", "[US: "),
        ("delete", "shall"),
        ("insert", "should"),
        ("equal", "]"),
    ]


def test_alternatives_keep_their_brackets_and_attribution():
    ops = diff_text("[US: shall][EU: should]", "[US: must][EU: may]")
    assert pairs(ops) == [
        ("equal", "[US: "),
        ("delete", "shall"),
        ("insert", "must"),
        ("equal", "][EU: "),
        ("delete", "should"),
        ("insert", "may"),
        ("equal", "]"),
    ]


def test_changed_number_is_a_whole_word():
    ops = diff_text("within 90 days", "within 60 days")
    assert pairs(ops) == [
        ("equal", "within "),
        ("delete", "90"),
        ("insert", "60"),
        ("equal", " days"),
    ]


def test_word_sharing_letters_is_replaced_whole():
    ops = diff_text("price-gap subsidies", "price-floor subsidies")
    assert pairs(ops) == [
        ("delete", "price-gap"),
        ("insert", "price-floor"),
        ("equal", " subsidies"),
    ]


def test_lone_space_between_changes_is_absorbed():
    ops = diff_text("the party shall apply", "a state must apply")
    assert pairs(ops) == [
        ("delete", "the party shall"),
        ("insert", "a state must"),
        ("equal", " apply"),
    ]


def test_equal_word_between_changes_stays_visible():
    ops = diff_text("Each Party shall establish", "Each Participant shall maintain")
    assert ("equal", " shall ") in pairs(ops)
    ops = diff_text("Each Party shall notify the Committee.", "Each State should notify.")
    assert ("equal", " notify") in pairs(ops)


def test_lone_common_word_inside_a_rewrite_is_absorbed():
    ops = diff_text(
        "The Committee shall review the list annually.",
        "Each Party may publish the results promptly.",
    )
    assert pairs(ops) == [
        ("delete", "The Committee shall review the list annually"),
        ("insert", "Each Party may publish the results promptly"),
        ("equal", "."),
    ]


def test_whitespace_change_is_visible():
    assert pairs(diff_text("a  b", "a b")) == [("equal", "a "), ("delete", " "), ("equal", "b")]
    ops = diff_text("line one\nline two", "line one\n\nline two")
    assert pairs(ops) == [("equal", "line one\n"), ("insert", "\n"), ("equal", "line two")]


def test_unicode_words():
    ops = diff_text("café crème brûlée", "café crème glacée")
    assert pairs(ops) == [("equal", "café crème "), ("delete", "brûlée"), ("insert", "glacée")]
    ops = diff_text("漢字 テスト", "漢字 試験")
    assert pairs(ops) == [("equal", "漢字 "), ("delete", "テスト"), ("insert", "試験")]


def test_empty_sides():
    assert diff_text("", "") == []
    assert pairs(diff_text("", "new text")) == [("insert", "new text")]
    assert pairs(diff_text("old text", "")) == [("delete", "old text")]


def test_text_diffed_with_itself_is_one_equal_op():
    assert pairs(diff_text("Article 1.\n\nText.", "Article 1.\n\nText.")) == [
        ("equal", "Article 1.\n\nText.")
    ]


def test_op_as_dict_is_the_api_shape():
    assert DiffOp("delete", "shall").as_dict() == {"op": "delete", "text": "shall"}


@given(texts, texts)
def test_both_sides_are_reconstructed_and_ops_are_normalised(old, new):
    assert_well_formed(diff_text(old, new), old, new)


@given(texts)
def test_diff_with_itself_is_one_equal_op_or_nothing(text):
    assert diff_text(text, text) == ([DiffOp("equal", text)] if text else [])


@given(prose, st.data())
def test_small_edits_of_prose_stay_small(old, data):
    words = old.split(" ")
    index = data.draw(st.integers(0, max(len(words) - 1, 0)))
    words[index] = "zebra"
    new = " ".join(words)
    ops = diff_text(old, new)
    assert_well_formed(ops, old, new)
    changed = sum(len(op.text) for op in ops if op.kind != "equal")
    # One word replaced: the change shows at most that word's neighbourhood, never the text.
    assert changed <= len(words[index]) + len(old.split(" ")[index]) + 24


def test_long_texts_with_scattered_edits_diff_word_by_word():
    old = make_text(size=40_000, seed=3)
    new = mutate(old, rate=0.05, seed=5)
    ops = diff_text(old, new)
    assert_well_formed(ops, old, new)
    stats = diff_stats(ops)
    words = len(old.split())
    # About 5 % of words changed: the diff reports changes of that order, not a rewrite.
    assert 0.02 * words < stats.words_deleted < 0.1 * words
    assert 0.02 * words < stats.words_inserted < 0.1 * words


def test_unrelated_long_texts_finish_quickly():
    old = make_text(size=200_000, seed=1)
    new = make_text(size=200_000, seed=2)
    start = time.perf_counter()
    ops = diff_text(old, new)
    assert time.perf_counter() - start < 3
    assert_well_formed(ops, old, new)


def test_diff_stats_counts_words():
    ops = diff_text("Each Party shall notify the Committee.", "Each State should notify.")
    assert diff_stats(ops) == DiffStats(words_inserted=2, words_deleted=4, changed=True)
    ops = diff_text("the price-gap subsidy", "the Party's subsidy")
    assert diff_stats(ops) == DiffStats(words_inserted=1, words_deleted=1, changed=True)
    assert diff_stats(diff_text("same", "same")) == DiffStats(0, 0, changed=False)
    assert diff_stats(diff_text("a  b", "a b")).changed


def test_inline_html_marks_changes():
    html_text = render_inline_html(diff_text("shall apply", "should apply"))
    assert html_text == (
        '<del class="diff-del">shall</del><ins class="diff-ins">should</ins> apply'
    )


def test_inline_html_escapes_markup():
    html_text = render_inline_html(diff_text("<b>safe</b>", "<script>alert(1)</script> & more"))
    assert "<script" not in html_text
    assert "<b>" not in html_text
    assert "script&gt;alert(1)&lt;/script&gt; &amp; more" in html_text


def test_inline_html_keeps_newlines():
    assert render_inline_html(diff_text("a\n\nb", "a\n\nc")).startswith("a\n\n")


def test_side_by_side_splits_at_paragraph_breaks():
    old = "1. Each Party shall notify.\n\n2. The Committee may review.\n\n3. Final."
    new = "1. Each Party should notify.\n\n2. The Committee may review.\n\n3. Final."
    rows = render_side_by_side(diff_text(old, new))
    assert rows == [
        (
            '1. Each Party <del class="diff-del">shall</del> notify.\n\n',
            '1. Each Party <ins class="diff-ins">should</ins> notify.\n\n',
        ),
        ("2. The Committee may review.\n\n", "2. The Committee may review.\n\n"),
        ("3. Final.", "3. Final."),
    ]


def test_changes_around_a_paragraph_break_keep_the_break_equal():
    old = "Each Party shall notify the law.\n\nThe Committee may act, and review."
    new = "Each Party shall notify the extent.\n\nA Committee may act; and review."
    ops = diff_text(old, new)
    assert ("equal", ".\n\n") in pairs(ops)
    assert len(render_side_by_side(ops)) == 2


def unmark(column: str) -> str:
    return html.unescape(re.sub(r"</?(?:del|ins)[^>]*>", "", column))


@given(texts, texts)
def test_side_by_side_rows_rejoin_to_each_side(old, new):
    rows = render_side_by_side(diff_text(old, new))
    assert unmark("".join(left for left, _ in rows)) == old
    assert unmark("".join(right for _, right in rows)) == new
    assert not any("<ins" in left or "<del" in right for left, right in rows)


@settings(max_examples=50)
@given(texts)
def test_side_by_side_escapes_markup(text):
    rows = render_side_by_side(diff_text(text, text + "<script>"))
    assert all("<script>" not in left + right for left, right in rows)


def test_diff_fields_lists_only_changed_keys_sorted():
    old = {"status": "draft", "heading": "Price floors", "category": "trade", "number": "3"}
    new = {"status": "tabled", "heading": "Price floors", "category": "standards", "extra": 1}
    assert diff_fields(old, new) == [
        {"field": "category", "old": "trade", "new": "standards"},
        {"field": "extra", "old": None, "new": 1},
        {"field": "number", "old": "3", "new": None},
        {"field": "status", "old": "draft", "new": "tabled"},
    ]
    assert diff_fields(old, dict(old)) == []
