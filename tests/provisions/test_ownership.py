"""The ownership classifier: who may change what in negotiating text, edit by edit."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisions import brackets
from provisions.ownership import Authority, Verdict, classify

PARTY, DRAFTER, CHAIR = Authority.PARTY, Authority.DRAFTER, Authority.CHAIR
ALLOWED, PROPOSAL, CONSENT = Verdict.ALLOWED, Verdict.PROPOSAL, Verdict.CONSENT

ALTERNATIVES = "Each Party [US: shall][EU: should] notify the Committee."
REVIEW = "Prices shall be reviewed [annually][EU: every two years] by the Committee."
COMMON = "Each Party shall notify the Committee."
TWO_PARAGRAPHS = "1. The Parties shall cooperate.\n\n2. [EU: Each Party shall report annually.]"

# who, authority, before, after, the verdict that decides (the worst one), the kind that says why
# fmt: off
EDITS = [
    # A party's own language.
    ("US", PARTY, ALTERNATIVES, ALTERNATIVES.replace("US: shall", "US: must"), ALLOWED, "own-language"),
    ("EU", PARTY, ALTERNATIVES, ALTERNATIVES.replace("EU: should", "EU: may"), ALLOWED, "own-language"),
    ("US", PARTY, ALTERNATIVES, "Each Party [EU: should] notify the Committee.", ALLOWED, "own-group-withdrawn"),
    ("US", PARTY, COMMON, "Each Party shall [US: promptly] notify the Committee.", ALLOWED, "own-language"),
    ("US", PARTY, ALTERNATIVES, ALTERNATIVES.replace("[EU: should]", "[EU: should][US: may]"), ALLOWED, "own-language"),
    ("US", PARTY, COMMON, "Each Party [shall][US: should] notify the Committee.", ALLOWED, "bracketed-common-text"),
    ("US", PARTY, "1. A.", "1. A.\n\n[US: 2. The Parties shall meet yearly.]", ALLOWED, "own-language"),
    ("US", PARTY, "See [US: \\[Annex\\] I] now.", "See [US: \\[Annex\\] II] now.", ALLOWED, "own-language"),
    # Joining and leaving.
    ("US", PARTY, "[EU: 80] days", "[EU, US: 80] days", ALLOWED, "joined"),
    ("US", PARTY, "[EU, US: 80] days", "[EU: 80] days", ALLOWED, "left"),
    ("US", PARTY, "[EU, JP, US: 80] days", "[EU, JP: 80] days", ALLOWED, "left"),
    ("US", PARTY, "[US: 80] days", "[80] days", ALLOWED, "left"),
    # Nested groups: the nearest attributed group owns the words.
    ("US", PARTY, "[EU: price floors [US: and subsidies]]", "[EU: price floors [US: and grants]]", ALLOWED, "own-language"),
    ("US", PARTY, "[EU: price floors and subsidies]", "[EU: price floors [US: and grants] and subsidies]", ALLOWED, "own-language"),
    ("US", PARTY, "[EU: price floors [US: and subsidies]]", "[EU: price ceilings [US: and subsidies]]", PROPOSAL, "other-party-language"),
    ("US", PARTY, "[EU: price floors [JP: and subsidies]]", "[EU: price floors]", CONSENT, "drop-alternative"),
    # The tree keeps its shape: no group moves into or out of another.
    ("US", PARTY, "Each Party [US: shall] [EU: should] notify.", "Each Party [US: shall [EU: should]] notify.", PROPOSAL, "other-party-language"),
    ("US", PARTY, "[EU: price floors [JP: and subsidies]]", "[EU: price floors] [JP: and subsidies]", PROPOSAL, "other-party-language"),
    ("US", PARTY, "x [EU: a] y", "x [US: q [EU: a]] y", PROPOSAL, "other-party-language"),
    ("US", PARTY, "x [EU: a] y", "x [[EU: a]][US: b] y", ALLOWED, "own-language"),
    ("US", PARTY, "Each Party shall [[EU: promptly]] notify.", "Each Party shall [EU: promptly] notify.", CONSENT, "unbracket"),
    ("US", PARTY, "Prices [floors [and subsidies]] apply.", "Prices [floors and subsidies] apply.", CONSENT, "unbracket"),
    # Another party's language.
    ("US", PARTY, "[EU: 80] days", "[EU: 95] days", PROPOSAL, "other-party-language"),
    ("US", PARTY, ALTERNATIVES, ALTERNATIVES.replace("EU: should", "EU: may"), PROPOSAL, "other-party-language"),
    ("US", PARTY, COMMON, COMMON + " [EU: The EU accepts the US figure]", PROPOSAL, "names-other-party"),
    ("US", PARTY, "[EU: x] y", "[US: x] y", PROPOSAL, "reattribution"),
    ("US", PARTY, "[EU: x] y", "[EU, JP: x] y", PROPOSAL, "reattribution"),
    ("US", PARTY, "[EU: a b] c", "[EU: a] [EU: b] c", PROPOSAL, "other-party-language"),
    ("US", PARTY, "[EU: a b] c", "[EU: a  b] c", PROPOSAL, "other-party-language"),
    ("US", PARTY, "[EU, US: 80] days", "[EU, US: 95] days", PROPOSAL, "co-sponsored-language"),
    # Common text and unattributed brackets.
    ("US", PARTY, COMMON, COMMON.replace("shall", "must"), PROPOSAL, "common-text"),
    ("US", PARTY, COMMON, "Each Party [US: shall] notify the Committee.", PROPOSAL, "reattribution"),
    ("US", PARTY, "A \\[Reference Prices\\] note.", "A \\[Reference Price\\] note.", PROPOSAL, "common-text"),
    ("US", PARTY, REVIEW, REVIEW.replace("[annually]", "[yearly]"), PROPOSAL, "unattributed-brackets"),
    ("US", PARTY, TWO_PARAGRAPHS, "2. [EU: Each Party shall report annually.]\n\n1. The Parties shall cooperate.", PROPOSAL, "common-text"),
    ("US", PARTY, TWO_PARAGRAPHS, "2. [EU: Each Party shall report annually.]", PROPOSAL, "common-text"),
    # Removing brackets takes consent.
    ("US", PARTY, ALTERNATIVES, "Each Party [US: shall] notify the Committee.", CONSENT, "drop-alternative"),
    ("US", PARTY, ALTERNATIVES, "Each Party shall notify the Committee.", CONSENT, "unbracket"),
    ("US", PARTY, REVIEW, "Prices shall be reviewed annually by the Committee.", CONSENT, "unbracket"),
    ("US", PARTY, REVIEW, "Prices shall be reviewed [EU: every two years] by the Committee.", CONSENT, "drop-alternative"),
    ("US", PARTY, "[EU, US: every year] or [JP: never]", " or [JP: never]", CONSENT, "drop-alternative"),
    # The proposing party drafting before tabling.
    ("US", DRAFTER, COMMON, COMMON.replace("shall", "must"), ALLOWED, "common-text"),
    ("US", DRAFTER, "Reviewed [annually] by it.", "Reviewed annually by it.", ALLOWED, "draft-brackets"),
    ("US", DRAFTER, "Reviewed [annually] by it.", "Reviewed by it.", ALLOWED, "draft-brackets"),
    ("US", DRAFTER, REVIEW, "Prices shall be reviewed annually by the Committee.", CONSENT, "drop-alternative"),
    ("US", DRAFTER, REVIEW, REVIEW.replace("EU: every two", "EU: every three"), PROPOSAL, "other-party-language"),
    ("US", DRAFTER, "", "1. [EU: Text the EU never wrote.]", PROPOSAL, "names-other-party"),
    # The chair.
    (None, CHAIR, COMMON, COMMON.replace("shall", "must"), ALLOWED, "common-text"),
    (None, CHAIR, REVIEW, REVIEW.replace("[annually]", "[yearly]"), ALLOWED, "unattributed-brackets"),
    (None, CHAIR, TWO_PARAGRAPHS, "2. [EU: Each Party shall report annually.]\n\n1. The Parties shall cooperate.", ALLOWED, "common-text"),
    (None, CHAIR, ALTERNATIVES, ALTERNATIVES.replace("EU: should", "EU: may"), PROPOSAL, "other-party-language"),
    (None, CHAIR, COMMON, COMMON + " [US: Words put in the US's mouth.]", PROPOSAL, "names-other-party"),
    (None, CHAIR, REVIEW, "Prices shall be reviewed annually by the Committee.", CONSENT, "unbracket"),
]
# fmt: on


def _decisive(classification):
    for verdict in (PROPOSAL, CONSENT, ALLOWED):
        changes = [c for c in classification.changes if c.verdict == verdict]
        if changes:
            return verdict, {c.kind for c in changes}
    return None, set()


@pytest.mark.parametrize(("party", "authority", "before", "after", "verdict", "kind"), EDITS)
def test_each_edit_gets_the_verdict_the_rules_give(party, authority, before, after, verdict, kind):
    assert brackets.parse(before).ok and brackets.parse(after).ok
    classification = classify(before, after, party=party, authority=authority)
    decisive, kinds = _decisive(classification)
    assert (decisive, kind in kinds) == (verdict, True), classification.changes
    assert classification.allowed == (verdict == ALLOWED)


def test_a_refusal_names_the_group_its_line_and_column_and_says_submit_a_proposal():
    before = "1. Scope.\n\n2. Reviews every [EU: 80] days."
    change = classify(before, before.replace("EU: 80", "EU: 95"), party="US", authority=PARTY)
    (refused,) = change.refused
    assert (refused.line, refused.column, refused.parties) == (3, 18, ("EU",))
    assert "[EU: 80]" in refused.message and "submit a proposal" in refused.message


def test_consent_is_asked_of_the_sponsors_or_of_everyone_for_unattributed_brackets():
    chosen = classify(ALTERNATIVES, COMMON, party="US", authority=PARTY)
    assert chosen.consent_parties() == {"US", "EU"}
    unbracketed = classify(
        REVIEW,
        REVIEW.replace("[annually][EU: every two years]", "annually"),
        party="EU",
        authority=PARTY,
    )
    assert unbracketed.consent_parties() is None  # every participant


def test_a_lone_insertion_becomes_common_text_only_with_every_participant():
    insertion = "Each Party shall [US: immediately] notify."
    made_common = classify(
        insertion, "Each Party shall immediately notify.", party="US", authority=PARTY
    )
    assert made_common.consent_parties() is None  # not the US alone


def test_an_unchanged_text_has_no_changes():
    assert classify(ALTERNATIVES, ALTERNATIVES, party="US", authority=PARTY).changes == ()


# --- Properties ----------------------------------------------------------------------------------

CODES = ("US", "EU", "JP")
WORDS = st.sampled_from(
    ["the", "Parties", "shall", "may", "notify", "prices", "annually", "80", "days", "review"]
)


@st.composite
def _nodes(draw, depth: int):
    """A paragraph's nodes: runs of words and bracketed groups, groups nesting up to `depth`."""
    nodes = []
    for _ in range(draw(st.integers(1, 4))):
        if depth and draw(st.booleans()):
            parties = draw(
                st.sampled_from([(), ("US",), ("EU",), ("JP",), ("EU", "US"), ("EU", "JP")])
            )
            nodes.append(("group", parties, draw(_nodes(depth - 1))))
        else:
            nodes.append(("text", draw(st.lists(WORDS, min_size=1, max_size=4))))
    return nodes


def _render(nodes, target=None, replacement=None, path=()) -> str:
    out = []
    for index, node in enumerate(nodes):
        here = (*path, index)
        if node[0] == "text":
            out.append(" ".join(replacement if here == target else node[1]))
        else:
            _, parties, children = node
            attribution = f"{', '.join(parties)}: " if parties else ""
            out.append(f"[{attribution}{_render(children, target, replacement, here)}]")
    return " ".join(out)


def _texts(nodes, owner=(), path=()):
    """(path, owner) of every run of words: the owner is the nearest attributed group's parties."""
    for index, node in enumerate(nodes):
        here = (*path, index)
        if node[0] == "text":
            yield here, owner
        else:
            yield from _texts(node[2], node[1] or owner, here)


@st.composite
def _edits(draw, mine: bool):
    """A text and an edit of one run of words: in a group of the US's alone, or not its own."""
    nodes = draw(_nodes(2))
    runs = [
        (path, owner)
        for path, owner in _texts(nodes)
        if (owner == ("US",)) == mine and (owner or not mine)
    ]
    if not mine:
        runs = [(path, owner) for path, owner in runs if owner and owner != ("US",)]
    target, _ = draw(st.sampled_from(runs)) if runs else (None, None)
    if target is None:
        return None
    replacement = draw(st.lists(WORDS, min_size=1, max_size=4))
    before, after = _render(nodes), _render(nodes, target, replacement)
    return before, after


@settings(max_examples=300, deadline=None)
@given(_edits(mine=True))
def test_any_edit_inside_the_partys_own_group_is_allowed(edit):
    if edit is None:
        return
    before, after = edit
    classification = classify(before, after, party="US", authority=PARTY)
    assert classification.allowed, classification.changes


@settings(max_examples=300, deadline=None)
@given(_edits(mine=False))
def test_any_change_inside_another_partys_group_is_never_allowed(edit):
    if edit is None:
        return
    before, after = edit
    if before == after:
        return
    for authority in (PARTY, DRAFTER):
        assert not classify(before, after, party="US", authority=authority).allowed
    assert not classify(before, after, party=None, authority=CHAIR).allowed
