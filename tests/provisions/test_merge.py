"""The three-way merge of negotiating texts (provisions.merge): pure logic, plain fast tests."""

from hypothesis import given, settings
from hypothesis import strategies as st

from provisions import brackets
from provisions.merge import (
    Conflict,
    _three_way,
    add_all_mine_as_alternatives,
    add_mine_as_alternative,
    merge,
)

BASE = (
    "1. The Parties shall cooperate on reference prices.\n\n"
    "2. Each Party shall publish its stockpiling policy.\n\n"
    "3. The Committee shall meet once a year."
)


def test_edits_to_different_paragraphs_both_apply():
    theirs = BASE.replace("reference prices", "reference prices [US: for cobalt]")
    yours = BASE.replace("once a year", "once a year [EU: and on request]")
    result = merge(BASE, theirs, yours)
    assert result.clean and result.conflicts == []
    assert result.text == (
        "1. The Parties shall cooperate on reference prices [US: for cobalt].\n\n"
        "2. Each Party shall publish its stockpiling policy.\n\n"
        "3. The Committee shall meet once a year [EU: and on request]."
    )


def test_edits_to_different_words_of_one_paragraph_both_apply():
    result = merge(
        "The Parties shall cooperate on prices.",
        "The Parties [shall][US: must] cooperate on prices.",
        "The Parties shall cooperate on [prices][EU: reference prices].",
    )
    assert result.clean
    assert (
        result.text == "The Parties [shall][US: must] cooperate on [prices][EU: reference prices]."
    )


def test_each_party_editing_its_own_adjacent_alternative_merges():
    result = merge(
        "1. Each Party [US: shall][EU: should] notify.",
        "1. Each Party [US: must][EU: should] notify.",
        "1. Each Party [US: shall][EU: ought to] notify.",
    )
    assert result.clean
    assert result.text == "1. Each Party [US: must][EU: ought to] notify."


def test_a_new_paragraph_and_an_edit_elsewhere_merge():
    theirs = BASE.replace("policy.", "policy.\n\n2bis. [US: Each Party shall share its data.]")
    yours = BASE.replace("cooperate", "[cooperate][EU: work together]")
    result = merge(BASE, theirs, yours)
    assert result.clean
    assert "[cooperate][EU: work together]" in result.text
    assert "2bis. [US: Each Party shall share its data.]" in result.text
    assert len(brackets.parse(result.text).document.paragraphs) == 4


def test_the_same_change_on_both_sides_is_no_conflict():
    theirs = BASE.replace("shall meet", "[US: shall meet]")
    yours = theirs.replace("cooperate", "[EU: cooperate closely]")
    result = merge(BASE, theirs, yours)
    assert result.clean
    assert result.text == yours


def test_both_changing_the_same_common_text_is_a_conflict_holding_theirs():
    base = "The Parties shall cooperate.\n\nSecond paragraph."
    result = merge(
        base,
        "The Parties must cooperate.\n\nSecond paragraph.",
        "The Parties should cooperate.\n\nSecond paragraph.",
    )
    assert not result.clean
    assert result.text == "The Parties must cooperate.\n\nSecond paragraph."
    [conflict] = result.conflicts
    assert conflict.as_dict() == {
        "paragraph": 1,
        "base": "shall",
        "theirs": "must",
        "yours": "should",
    }
    resolved = add_mine_as_alternative(result, 0, party="EU")
    assert resolved.clean
    assert resolved.text == "The Parties [must][EU: should] cooperate.\n\nSecond paragraph."


def test_adding_mine_next_to_bracketed_language_keeps_it_as_it_is():
    result = merge(
        "The Parties shall cooperate.",
        "The Parties [US: must] cooperate.",
        "The Parties should cooperate.",
    )
    assert result.conflicts[0].theirs == "[US: must]"
    resolved = add_mine_as_alternative(result, 0, party="EU")
    assert resolved.text == "The Parties [US: must][EU: should] cooperate."


def test_two_alternatives_to_the_same_words_keep_both():
    result = merge(
        "The Parties shall cooperate.",
        "The Parties [shall][US: must] cooperate.",
        "The Parties [shall][EU: should] cooperate.",
    )
    assert not result.clean
    resolved = add_mine_as_alternative(result, 0, party="EU")
    assert resolved.text == "The Parties [shall][US: must][EU: should] cooperate."


def test_the_chair_adds_its_words_unattributed():
    result = merge("A shall b.", "A must b.", "A should b.")
    assert add_mine_as_alternative(result, 0, party=None).text == "A [must][should] b."


def test_a_span_they_deleted_comes_back_as_my_language():
    base = "1. First.\n\n2. The Parties shall cooperate.\n\n3. Third."
    result = merge(
        base, "1. First.\n\n3. Third.", "1. First.\n\n2. The Parties should cooperate.\n\n3. Third."
    )
    [conflict] = result.conflicts
    assert conflict.theirs == "" and "should" in conflict.yours and "shall" in conflict.base
    assert conflict.paragraph == 2  # where the span is in the merged text
    resolved = add_mine_as_alternative(result, 0, party="EU")
    assert resolved.text == "1. First.\n\n2. [EU: The Parties should cooperate.]\n\n3. Third."


def test_a_span_i_deleted_brackets_theirs():
    result = merge("A shall b c.", "A must b c.", "A b c.")
    assert add_mine_as_alternative(result, 0, party="EU").text == "A [must] b c."


def test_conflicts_resolve_one_at_a_time_and_report_their_paragraphs():
    base = "1. A shall b.\n\n2. C shall d.\n\n3. E shall f."
    result = merge(
        base,
        "1. A must b.\n\n2. C shall d.\n\n3. E must f.",
        "1. A should b.\n\n2. C [EU: may] d.\n\n3. E ought to f.",
    )
    assert [c.paragraph for c in result.conflicts] == [1, 3]
    assert "C [EU: may] d." in result.text  # the clean change applied
    first = add_mine_as_alternative(result, 1, party="EU")
    assert [c.paragraph for c in first.conflicts] == [1]
    assert "E [must][EU: ought to] f." in first.text
    both = add_all_mine_as_alternatives(result, party="EU")
    assert both.clean
    assert (
        both.text
        == "1. A [must][EU: should] b.\n\n2. C [EU: may] d.\n\n3. E [must][EU: ought to] f."
    )


def test_new_paragraphs_at_the_same_place_conflict():
    result = merge("A.\n\nB.", "A.\n\nB.\n\nThe US text.", "A.\n\nB.\n\nThe EU text.")
    [conflict] = result.conflicts
    assert conflict.paragraph == 3 and conflict.base == ""
    # Only the words that differ become alternatives.
    resolved = add_mine_as_alternative(result, 0, party="EU")
    assert resolved.text == "A.\n\nB.\n\nThe [US][EU: EU] text."


def test_line_endings_sent_by_a_browser_do_not_count_as_changes():
    base = "1. First line\nsecond line.\n\n2. Other."
    theirs = "1. First line\nsecond line.\n\n2. Other [US: text]."
    yours = "1. First [EU: new] line\r\nsecond line.\r\n\r\n2. Other."
    result = merge(base, theirs, yours)
    assert result.clean
    # Where one side changed how a break is written (and the other did not), its way stays.
    assert result.text == "1. First [EU: new] line\r\nsecond line.\r\n\r\n2. Other [US: text]."


def test_shortcuts_give_one_side_exactly():
    assert merge("a", "b", "a").text == "b"
    assert merge("a", "a", "c").text == "c"
    assert merge("a", "b", "b").text == "b"
    assert merge("a", "", "a").segments == ()


def test_a_merge_that_would_not_parse_is_one_conflict_over_the_whole_text():
    # Theirs ends a word with a backslash; yours puts a group right after it: "\[" is an escape.
    base = "A b c."
    result = merge(base, "A b\\ c.", "A b[EU: x] c.")
    assert brackets.parse(result.text).ok
    for conflict in result.conflicts:
        assert isinstance(conflict, Conflict)
    resolved = add_all_mine_as_alternatives(result, party="EU")
    assert brackets.parse(resolved.text).ok


# --- Properties ---------------------------------------------------------------------------------

WORDS = ["shall", "should", "the", "Parties", "cobalt", "prices", "may", "each", "Party", "a"]
runs = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)
groups = st.tuples(st.sampled_from(["", "US: ", "EU: ", "EU, JP: "]), runs).map(
    lambda parts: f"[{parts[0]}{parts[1]}]"
)
nested = st.tuples(runs, groups).map(lambda parts: f"[US: {parts[0]} {parts[1]}]")
pieces = st.lists(st.one_of(runs, runs, groups, nested), min_size=1, max_size=6)
paragraphs = st.tuples(
    st.sampled_from(["", "1. ", "(a) "]), pieces, st.sampled_from([" ", ""])
).map(lambda parts: parts[0] + parts[2].join(parts[1]) + ".")
texts = st.lists(paragraphs, min_size=1, max_size=5).map("\n\n".join)


@settings(max_examples=60, deadline=None)
@given(texts, texts)
def test_if_i_changed_nothing_the_merge_is_theirs(base, theirs):
    assert merge(base, theirs, base).text == theirs
    assert _three_way(base, theirs, base).text == theirs  # the engine, without the shortcut


@settings(max_examples=60, deadline=None)
@given(texts, texts)
def test_if_they_changed_nothing_the_merge_is_mine(base, yours):
    assert merge(base, base, yours).text == yours
    assert _three_way(base, base, yours).text == yours


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraphs, min_size=2, max_size=6), st.data())
def test_edits_to_different_paragraphs_both_survive(base_paragraphs, data):
    count = len(base_paragraphs)
    theirs_at = data.draw(st.integers(0, count - 1))
    yours_at = data.draw(st.sampled_from([i for i in range(count) if i != theirs_at]))
    theirs_paragraph = data.draw(paragraphs) + " [US: theirs]"
    yours_paragraph = data.draw(paragraphs) + " [EU: yours]"
    theirs = list(base_paragraphs)
    theirs[theirs_at] = theirs_paragraph
    yours = list(base_paragraphs)
    yours[yours_at] = yours_paragraph
    expected = list(theirs)
    expected[yours_at] = yours_paragraph
    result = merge("\n\n".join(base_paragraphs), "\n\n".join(theirs), "\n\n".join(yours))
    assert result.clean
    assert result.text == "\n\n".join(expected)


@settings(max_examples=60, deadline=None)
@given(texts, texts, texts, st.sampled_from(["EU", None]))
def test_merged_and_resolved_texts_always_parse(base, theirs, yours, party):
    result = merge(base, theirs, yours)
    assert brackets.parse(result.text).ok
    resolved = add_all_mine_as_alternatives(result, party=party)
    assert brackets.parse(resolved.text).ok


edits = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.one_of(runs, groups, st.just(""))),
    max_size=4,
)


def apply_edits(text: str, changes) -> str:
    for at, length, insert in changes:
        words = text.split(" ")
        at %= len(words)
        text = " ".join([*words[:at], *([insert] if insert else []), *words[at + length :]])
    return text


@settings(max_examples=60, deadline=None)
@given(texts, edits, edits)
def test_merging_edits_of_one_text_parses_and_keeps_every_conflict_recoverable(base, mine, other):
    theirs, yours = apply_edits(base, other), apply_edits(base, mine)
    if not (brackets.parse(theirs).ok and brackets.parse(yours).ok):
        return
    result = merge(base, theirs, yours)
    assert brackets.parse(result.text).ok
    for conflict in result.conflicts:
        assert conflict.yours in yours  # my side of every conflict is shown whole
    assert brackets.parse(add_all_mine_as_alternatives(result, party="EU").text).ok
