"""Incorporating a proposal: the party's changes written in as its attributed alternatives."""

from __future__ import annotations

import copy
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisions.brackets import validate
from provisions.incorporate import DELETION, UnreadableText, incorporate, party_reading

_ATTRIBUTION = re.compile(r"\[([A-Z][A-Z0-9]{1,7}(?:[ \t]*,[ \t]*[A-Z][A-Z0-9]{1,7})*):\s")


def groups_naming_others(text: str, party: str = "US") -> Counter[str]:
    """Every group (raw, as written) that names a party other than ``party``; found with a
    bracket scan of its own rather than the code under test."""
    found: Counter[str] = Counter()
    stack: list[int] = []
    for index, char in enumerate(text):
        if char not in "[]" or (index and text[index - 1] == "\\"):
            continue
        if char == "[":
            stack.append(index)
        elif stack:
            start = stack.pop()
            raw = text[start : index + 1]
            match = _ATTRIBUTION.match(raw)
            if match and any(code.strip() != party for code in match.group(1).split(",")):
                found[raw] += 1
    return found


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def written(base: str, proposed: str, current: str | None = None, party: str = "US") -> str:
    result = incorporate(base, proposed, base if current is None else current, party)
    assert validate(result.text) == (), result.text
    return result.text


# --- The notation, case by case ---------------------------------------------------------------

CASES = [
    pytest.param(
        "The Parties shall cooperate.",
        "The Parties must cooperate.",
        "The Parties [shall][US: must] cooperate.",
        id="common-word-replaced",
    ),
    pytest.param(
        "The Parties shall cooperate.",
        "The Parties shall closely cooperate.",
        "The Parties shall [US: closely] cooperate.",
        id="insertion",
    ),
    pytest.param(
        "The Parties shall cooperate on prices.",
        "The Parties shall cooperate.",
        "The Parties shall cooperate [on prices][US: (delete)].",
        id="deletion",
    ),
    pytest.param(
        "Each Party shall maintain [EU: 80] percent.",
        "Each Party shall maintain [EU: 95] percent.",
        "Each Party shall maintain [EU: 80][US: 95] percent.",
        id="inside-another-partys-group",
    ),
    pytest.param(
        "Each Party [US: shall][EU: should] act.",
        "Each Party [US: must][EU: should] act.",
        "Each Party [US: must][EU: should] act.",
        id="own-group-changed-in-place",
    ),
    pytest.param(
        "Each Party [US: shall][EU: should] act.",
        "Each Party [US: shall] act.",
        "Each Party [US: shall][EU: should][US: (delete)] act.",
        id="another-partys-alternative-deleted",
    ),
    pytest.param(
        "Each Party [EU: should] act.",
        "Each Party must act.",
        "Each Party [EU: should][US: must] act.",
        id="whole-group-replaced-by-common-words",
    ),
    pytest.param(
        "Each Party [EU, JP: should] act.",
        "Each Party [EU, JP: shall] act.",
        "Each Party [EU, JP: should][US: shall] act.",
        id="co-sponsored-group",
    ),
    pytest.param(
        "Each Party [should] act.",
        "Each Party [shall] act.",
        "Each Party [should][US: shall] act.",
        id="unattributed-group",
    ),
    pytest.param(
        "Maintain [price floors [EU: and price-gap subsidies]].",
        "Maintain [price floors [EU: and price-gap taxes]].",
        "Maintain [price floors [EU: and price-gap subsidies][US: and price-gap taxes]].",
        id="nested-group-of-another-party",
    ),
    pytest.param(
        "Maintain [price floors [EU: and price-gap subsidies]].",
        "Maintain [price caps [EU: and price-gap taxes]].",
        "Maintain [price floors [EU: and price-gap subsidies]][US: price caps and price-gap taxes].",
        id="changes-in-and-around-a-nested-group-make-one-alternative",
    ),
    pytest.param(
        "A [EU: x [US: y] z] B.",
        "A [EU: x [US: w] z] B.",
        "A [EU: x [US: y] z][US: x w z] B.",
        id="own-group-inside-another-partys-group-is-theirs-to-change",
    ),
    pytest.param(
        "A [US: x [EU: y] z] B.",
        "A [US: x [EU: w] z] B.",
        "A [US: x [EU: y][US: w] z] B.",
        id="another-partys-group-inside-own-group",
    ),
    pytest.param(
        "A [EU: x] B.",
        "A [EU, US: x] B.",
        "A [EU, US: x] B.",
        id="joining-a-group",
    ),
    pytest.param(
        "A [EU, US: x] B.",
        "A [EU: x] B.",
        "A [EU: x] B.",
        id="leaving-a-group",
    ),
    pytest.param(
        "A [EU: x] B.",
        "A [EU, JP: x] B.",
        "A [EU: x][US: x] B.",
        id="others-sponsorship-is-not-changed",
    ),
    pytest.param(
        "A [EU: x]. B.",
        "A [EU: x] more. B.",
        "A [EU: x] [US: more]. B.",
        id="insertion-after-a-group-is-not-its-alternative",
    ),
    pytest.param(
        "1. First.\n\n2. Second.",
        "1. First.\n\n2. Second.\n\n3. Third paragraph here.",
        "1. First.\n\n2. Second.\n\n3. [US: Third paragraph here.]",
        id="new-paragraph-at-the-end",
    ),
    pytest.param(
        "1. First.\n\n2. Second.",
        "1. First.\n\n(a) Inserted paragraph.\n\n2. Second.",
        "1. First.\n\n(a) [US: Inserted paragraph.]\n\n2. Second.",
        id="new-paragraph-between",
    ),
    pytest.param(
        "1. First.\n\n2. Second.\n\n3. Third.",
        "1. First.\n\n3. Third.",
        "1. First.\n\n[2. Second.][US: (delete)]\n\n3. Third.",
        id="paragraph-deleted",
    ),
    pytest.param(
        "1. Each Party shall act.\n\n2. The Parties shall cooperate.",
        "1. Each Party must act.\n\n2. The Parties shall closely cooperate.",
        "1. Each Party [shall][US: must] act.\n\n2. The Parties shall [US: closely] cooperate.",
        id="changes-in-two-paragraphs",
    ),
    pytest.param(
        "Target 2030: twenty percent.",
        "Target 2030: thirty percent.",
        "Target 2030: [twenty][US: thirty] percent.",
        id="figures-and-colons",
    ),
    pytest.param(
        "US: the text.",
        "US: another text.",
        "US: [the][US: another] text.",
        id="capitals-and-colon-in-common-text",
    ),
    pytest.param(
        "Fees \\[in USD\\] apply.",
        "Fees \\[in EUR\\] apply.",
        "Fees \\[in [USD][US: EUR]\\] apply.",
        id="escaped-brackets-are-words",
    ),
    pytest.param(
        "Each Party shall act.",
        "Each Party [EU: shall] act.",
        "Each Party [shall][US: shall] act.",
        id="never-writes-another-partys-attribution",
    ),
    pytest.param(
        "Each Party shall act.",
        "Each Party shall  act.",
        "Each Party shall act.",
        id="whitespace-alone-is-not-a-proposal",
    ),
    pytest.param("", "New text.", "[US: New text.]", id="empty-base"),
    pytest.param("Old text.", "", "[Old text.][US: (delete)]", id="everything-deleted"),
    pytest.param(
        "Each Party [US: shall] act.",
        "Each Party act.",
        "Each Party  act.",
        id="own-group-withdrawn",
    ),
    pytest.param(
        "Each Party [US: shall][EU: should] act.",
        "Each Party must act.",
        "Each Party [[US: shall][EU: should]][US: must] act.",
        id="a-run-of-alternatives-replaced-is-bracketed-as-one",
    ),
]


@pytest.mark.parametrize(("base", "proposed", "expected"), CASES)
def test_incorporation_notation(base, proposed, expected):
    assert written(base, proposed) == expected


def test_the_proposing_party_reads_its_proposal_back():
    base = "1. Each Party [US: shall][EU: should] maintain [EU: 80] percent of [price floors]."
    proposed = "1. Each Party [US: shall][EU: should] keep [EU: 95] percent."
    text = written(base, proposed)
    assert words(party_reading(text, "US")) == words(party_reading(proposed, "US"))
    assert DELETION in text


def test_other_parties_groups_are_byte_identical():
    base = "1. Each Party [EU: should] maintain [EU, JP: 80 percent] of [price floors]."
    proposed = "1. Each Party must maintain 95 percent of price caps."
    text = written(base, proposed)
    assert groups_naming_others(text) == groups_naming_others(base)


def test_concerned_parties_are_those_whose_groups_got_an_alternative():
    result = incorporate(
        "A [EU: x] [JP: y] [z] w.", "A [EU: x2] [JP: y] [z] w.", "A [EU: x] [JP: y] [z] w.", "US"
    )
    assert result.concerned == {"EU"}
    assert not result.concerns_all
    common = incorporate("A w.", "A v.", "A w.", "US")
    assert common.concerned == frozenset() and common.concerns_all
    unattributed = incorporate("A [z] w.", "A [q] w.", "A [z] w.", "US")
    assert unattributed.concerns_all
    insertion = incorporate("A w.", "A more w.", "A w.", "US")
    assert not insertion.concerns_all and not insertion.concerned


def test_applied_hunks_say_what_changed_where():
    result = incorporate(
        "1. One.\n\n2. Each Party shall act.",
        "1. One.\n\n2. Each Party must act.",
        "1. One.\n\n2. Each Party shall act.",
        "US",
    )
    assert [h.as_dict() for h in result.applied] == [
        {"old": "shall", "new": "must", "line": 3, "column": 15}
    ]
    assert result.skipped == ()


# --- A stale base ------------------------------------------------------------------------------


def test_stale_base_applies_where_the_text_around_still_matches():
    base = "1. Each Party shall maintain price floors.\n\n2. The Parties shall cooperate."
    proposed = (
        "1. Each Party shall maintain reference prices.\n\n2. The Parties shall closely cooperate."
    )
    current = (
        "1. Each Party shall maintain price floors.\n\n"
        "2. The Parties shall cooperate [EU: on standards]."
    )
    result = incorporate(base, proposed, current, "US")
    assert result.text == (
        "1. Each Party shall maintain [price floors][US: reference prices].\n\n"
        "2. The Parties shall [US: closely] cooperate [EU: on standards]."
    )
    assert result.skipped == ()


def test_stale_base_skips_changes_where_the_text_changed():
    base = "1. Each Party shall maintain price floors.\n\n2. The Parties shall cooperate."
    proposed = (
        "1. Each Party shall maintain reference prices.\n\n2. The Parties shall closely cooperate."
    )
    current = (
        "1. Each Party shall maintain [EU: strong] price floors.\n\n2. The Parties shall cooperate."
    )
    result = incorporate(base, proposed, current, "US")
    assert result.text == (
        "1. Each Party shall maintain [EU: strong] price floors.\n\n"
        "2. The Parties shall [US: closely] cooperate."
    )
    assert [(h.old, h.new, h.line, h.column) for h in result.skipped] == [
        ("price floors", "reference prices", 1, 30)
    ]
    assert "changed" in result.skipped[0].reason
    assert [h.new for h in result.applied] == ["closely "]


def test_stale_base_skips_a_change_in_a_group_that_changed():
    base = "Maintain [EU: 80 percent] of capacity."
    proposed = "Maintain [EU: 80 per cent] of capacity."
    result = incorporate(base, proposed, "Maintain [EU: 85 percent] of capacity.", "US")
    assert result.text == "Maintain [EU: 85 percent] of capacity."
    assert len(result.skipped) == 1 and result.applied == ()


def test_stale_base_with_moved_paragraphs_still_finds_the_place():
    base = "1. Alpha text.\n\n2. Beta text."
    proposed = "1. Alpha text.\n\n2. Beta words."
    current = "0. Preamble [EU: here].\n\n1. Alpha text.\n\n2. Beta text."
    result = incorporate(base, proposed, current, "US")
    assert result.text == "0. Preamble [EU: here].\n\n1. Alpha text.\n\n2. Beta [text][US: words]."


def test_unreadable_input_is_refused():
    with pytest.raises(UnreadableText, match="proposed text does not parse: line 1, column 3"):
        incorporate("A b.", "A [b.", "A b.", "US")


# --- Properties --------------------------------------------------------------------------------

WORD_LIST = ["shall", "should", "maintain", "price", "floors", "Parties", "cobalt", "80", "of"]
SPONSORS = st.sampled_from([(), ("EU",), ("JP",), ("EU", "JP")])


def _items(depth: int):
    word = st.sampled_from(WORD_LIST)
    if depth >= 2:
        return st.lists(word, min_size=1, max_size=4)
    group = st.tuples(SPONSORS, st.deferred(lambda: _items(depth + 1)), st.booleans())
    return st.lists(st.one_of(word, word, group), min_size=1, max_size=5)


PARAGRAPHS = st.lists(st.tuples(st.booleans(), _items(0)), min_size=1, max_size=3)


def render(paragraphs) -> str:
    out = []
    for number, (numbered, items) in enumerate(paragraphs, start=1):
        out.append((f"{number}. " if numbered else "") + _render_items(items) + ".")
    return "\n\n".join(out)


def _render_items(items) -> str:
    text = ""
    for item in items:
        if isinstance(item, str):
            piece, glued = item, False
        else:
            sponsors, children, glued = item
            attribution = f"{', '.join(sponsors)}: " if sponsors else ""
            piece = f"[{attribution}{_render_items(children)}]"
        text += piece if (not text or glued) else " " + piece
    return text


def _slots(items, path=()):
    """Paths to every list of items (a paragraph's or a group's) for edits."""
    yield path
    for index, item in enumerate(items):
        if not isinstance(item, str):
            yield from _slots(item[1], (*path, index))


def _at(items, path):
    for index in path:
        items = items[index][1]
    return items


@st.composite
def proposals(draw):
    """A base text and a proposal against it: words replaced, inserted, deleted, groups dropped,
    paragraphs added or removed. Only other parties' groups: the proposing party is US."""
    base = draw(PARAGRAPHS)
    proposed = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "paragraph+", "paragraph-"]))
        if kind == "paragraph+":
            at = draw(st.integers(0, len(proposed)))
            proposed.insert(at, (False, draw(st.lists(st.sampled_from(WORD_LIST), min_size=1))))
            continue
        if kind == "paragraph-":
            if len(proposed) > 1:
                proposed.pop(draw(st.integers(0, len(proposed) - 1)))
            continue
        _, items = proposed[draw(st.integers(0, len(proposed) - 1))]
        slot = _at(items, draw(st.sampled_from(list(_slots(items)))))
        index = draw(st.integers(0, len(slot) - 1))
        if kind == "replace":
            slot[index] = draw(st.sampled_from(WORD_LIST))
        elif kind == "insert":
            slot.insert(index, draw(st.sampled_from(WORD_LIST)))
        elif len(slot) > 1:
            del slot[index]
    return render(base), render(proposed)


@settings(max_examples=300, deadline=None)
@given(proposals())
def test_incorporating_into_the_base_reads_back_as_the_proposal(pair):
    base, proposed = pair
    result = incorporate(base, proposed, base, "US")
    assert validate(result.text, {"US", "EU", "JP"}) == (), result.text
    assert result.skipped == (), result.skipped
    assert words(party_reading(result.text, "US")) == words(party_reading(proposed, "US"))
    assert groups_naming_others(result.text) == groups_naming_others(base)


@settings(max_examples=150, deadline=None)
@given(proposals(), st.sampled_from(["[EU: A new paragraph] of text.", "Closing [JP: words]."]))
def test_a_stale_base_changed_elsewhere_takes_every_change(pair, added):
    base, proposed = pair
    current = f"{base}\n\n\n\n{added}"
    result = incorporate(base, proposed, current, "US")
    assert validate(result.text) == (), result.text
    assert result.skipped == ()
    assert result.text.endswith(added)
    assert groups_naming_others(result.text) == groups_naming_others(current)


@settings(max_examples=150, deadline=None)
@given(proposals(), proposals())
def test_any_current_text_gives_readable_text_and_keeps_other_parties_groups(pair, other):
    base, proposed = pair
    current = other[1]
    result = incorporate(base, proposed, current, "US")
    assert validate(result.text) == (), result.text
    assert groups_naming_others(result.text) == groups_naming_others(current)
    assert len(result.applied) + len(result.skipped) >= 0
