"""The mapping from an identity provider's groups to a delegation and role (pure)."""

import pytest

from parties.claims import (
    GroupMapError,
    NoPlacement,
    Placement,
    groups_in,
    parse_group_map,
    placement_for,
)

ROLES = ("lead", "negotiator", "reviewer", "observer")  # strongest first, as Membership.Role
MAP = parse_group_map(
    "ustr-leads=US:lead; ustr-negotiators=US:negotiator; ustr-all=US:observer\n"
    "dg-trade=EU:reviewer",
    roles=ROLES,
)


def place(claims, group_map=MAP, claim="groups"):
    return placement_for(claims, claim=claim, group_map=group_map, roles=ROLES)


def test_entries_split_on_semicolons_and_new_lines_and_ignore_blanks_and_spaces():
    assert parse_group_map(" a = US : lead ;;\n\n b=EU:observer ;", roles=ROLES) == {
        "a": Placement("US", "lead"),
        "b": Placement("EU", "observer"),
    }
    assert parse_group_map("", roles=ROLES) == {}
    assert parse_group_map(" ; \n ", roles=ROLES) == {}


def test_a_group_name_may_hold_equals_signs_and_commas_as_ldap_names_do():
    assert parse_group_map("cn=ustr-leads,ou=groups,dc=ustr=US:lead", roles=ROLES) == {
        "cn=ustr-leads,ou=groups,dc=ustr": Placement("US", "lead")
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ustr-leads", "entry 1 ('ustr-leads') is not group=PARTY:role"),
        ("=US:lead", "is not group=PARTY:role"),
        ("a=US:lead; b=US", "entry 2 ('b=US'): 'US' is not PARTY:role"),
        ("a=us:lead", "'us:lead' is not PARTY:role"),
        ("a=UNITEDSTATES:lead", "is not PARTY:role"),
        ("a=US:chair", "role 'chair' is not one of lead, negotiator, reviewer, observer"),
        ("a=US:staff", "role 'staff' is not one of"),  # nobody is made staff by a group
        ("a=US:lead; a=EU:lead", "entry 2: group 'a' is mapped twice, differently"),
    ],
)
def test_a_map_that_cannot_be_read_names_the_entry(text, says):
    with pytest.raises(GroupMapError) as refused:
        parse_group_map(text, roles=ROLES)
    assert says in str(refused.value)


def test_the_same_entry_twice_is_harmless():
    assert parse_group_map("a=US:lead; a=US:lead", roles=ROLES) == {"a": Placement("US", "lead")}


def test_one_group_gives_its_party_and_role():
    assert place({"groups": ["dg-trade"]}) == Placement("EU", "reviewer")


def test_unmapped_groups_are_ignored_beside_a_mapped_one():
    assert place({"groups": ["everyone", "dg-trade", "vpn-users"]}) == Placement("EU", "reviewer")


def test_several_groups_of_one_party_give_the_strongest_role():
    assert place({"groups": ["ustr-all", "ustr-negotiators"]}) == Placement("US", "negotiator")
    assert place({"groups": ["ustr-leads", "ustr-all", "ustr-negotiators"]}) == Placement(
        "US", "lead"
    )


def test_a_single_group_may_come_as_a_string():
    assert place({"groups": " ustr-leads "}) == Placement("US", "lead")


def test_the_claim_name_is_configurable():
    assert place({"roles": ["dg-trade"], "groups": []}, claim="roles") == Placement(
        "EU", "reviewer"
    )


def test_group_names_match_exactly():
    with pytest.raises(NoPlacement):
        place({"groups": ["USTR-LEADS", "ustr-leads-old", "ustr"]})


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"groups": None},
        {"groups": []},
        {"groups": ["everyone"]},
        {"groups": [1, None, {"name": "ustr-leads"}, ""]},
        {"groups": {"ustr-leads": True}},
        {"groups": 42},
        {"other": ["ustr-leads"]},
    ],
)
def test_claims_that_map_to_nothing_are_refused(claims):
    with pytest.raises(NoPlacement, match="no group that this site maps to a delegation"):
        place(claims)


def test_groups_of_two_parties_are_refused_naming_both():
    with pytest.raises(NoPlacement, match=r"more than one delegation \(EU, US\)"):
        place({"groups": ["ustr-leads", "dg-trade"]})


def test_an_empty_map_places_nobody():
    with pytest.raises(NoPlacement):
        place({"groups": ["ustr-leads"]}, group_map={})


def test_groups_in_keeps_strings_only():
    assert groups_in({"g": ["a", 3, " b ", "", None]}, "g") == ["a", "b"]
    assert groups_in({"g": ("a",)}, "g") == ["a"]
