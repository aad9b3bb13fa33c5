"""The conflict screen is a three-way merge: base (the version the edit started from), theirs (the
current version) and yours. Through the page and the API."""

import html
import re

import pytest

from parties.access import actor_for
from provisions import brackets, services
from provisions.models import Provision

BASE = (
    "1. The Parties shall cooperate on reference prices.\n\n"
    "2. Each Party shall publish its stockpiling policy."
)


@pytest.fixture
def provision(make_provision):
    return make_provision(BASE)


def us_edit(world, provision, body: str, version: int = 1) -> Provision:
    return services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=version,
        body=body,
        reason="US edit",
    )


def post_edit(client, provision, body: str, version: int, **extra):
    data = {"heading": provision.heading, "body": body, "version": version, **extra}
    return client.post(f"/provisions/{provision.pk}/edit/", data)


def field(page: str, name: str) -> str:
    """The value of a hidden input, or the text of a textarea, in a rendered form."""
    hidden = re.search(rf'<input type="hidden" name="{name}"(?: value="([^"]*)")?', page)
    if hidden:
        return hidden.group(1) or ""
    area = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert area, f"no field {name}"
    return area.group(1)


def resend(client, provision, page: str, *, action: str | None = None, body: str | None = None):
    """Press a button of the conflict screen: the form as rendered, sent back."""
    data = {
        "heading": provision.heading,
        "body": html.unescape(field(page, "body")) if body is None else body,
        "version": field(page, "version"),
        "base_version": field(page, "base_version"),
        "yours": html.unescape(field(page, "yours")),
        "alternatives": field(page, "alternatives"),
    }
    if action:
        data["merge_action"] = action
    return client.post(f"/provisions/{provision.pk}/edit/", data)


def test_edits_to_different_paragraphs_both_keep_their_changes(world, client, provision):
    us_edit(world, provision, BASE.replace("reference prices", "reference prices [US: for cobalt]"))
    client.force_login(world.user("EU", "negotiator"))
    mine = BASE.replace("policy.", "policy [EU: and its stocks].")

    response = post_edit(client, provision, mine, version=1, reason="EU stocks")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone saved this provision while you were editing" in page
    assert "Your changes and those saved in version 2 merge" in page
    merged = html.unescape(field(page, "body"))
    assert merged == (
        "1. The Parties shall cooperate on reference prices [US: for cobalt].\n\n"
        "2. Each Party shall publish its stockpiling policy [EU: and its stocks]."
    )
    assert field(page, "version") == "2" and field(page, "base_version") == "1"
    assert html.unescape(field(page, "yours")) == mine  # my text, kept whole
    assert "Save merged text" in page
    # What came from each side, each against version 1.
    assert '<ins class="diff-ins"> [US: for cobalt]</ins>' in page
    assert "[EU: and its stocks]" in page

    saved = resend(client, provision, page)

    assert saved.status_code == 302
    final = Provision.objects.get(pk=provision.pk)
    assert final.version == 3
    assert final.body == merged
    assert final.history.get(version=3).history_user == world.user("EU", "negotiator")


def test_same_words_changed_on_both_sides_offer_adding_mine_as_my_partys_alternative(
    world, client, make_provision
):
    provision = make_provision("The Parties shall cooperate.\n\nEach Party shall notify.")
    us_edit(world, provision, "The Parties must cooperate.\n\nEach Party shall notify.")
    client.force_login(world.user("EU", "negotiator"))
    mine = "The Parties should cooperate.\n\nEach Party shall notify [EU: promptly]."

    response = post_edit(client, provision, mine, version=1)

    assert response.status_code == 409
    page = response.content.decode()
    assert "You both changed the same words in 1 place" in page
    assert "Where you both changed the same words" in page
    sides = re.findall(r'<dd class="merge-piece merge-(\w+)">(.*?)</dd>', page)
    assert sides == [("base", "shall"), ("theirs", "must"), ("yours", "should")]
    assert "Paragraph 1" in page
    # Theirs holds the conflict; my change elsewhere merged.
    assert html.unescape(field(page, "body")) == (
        "The Parties must cooperate.\n\nEach Party shall notify [EU: promptly]."
    )
    assert 'value="add:0"' in page and "Add mine as EU&#x27;s alternative" in page

    added = resend(client, provision, page, action="add:0")

    assert added.status_code == 200
    page = added.content.decode()
    merged = html.unescape(field(page, "body"))
    assert merged == (
        "The Parties [must][EU: should] cooperate.\n\nEach Party shall notify [EU: promptly]."
    )
    assert field(page, "alternatives") == "0"
    assert "Your words are in the text as EU&#x27;s alternative" in page
    assert Provision.objects.get(pk=provision.pk).version == 2  # nothing saved by the button

    saved = resend(client, provision, page)

    assert saved.status_code == 302
    final = Provision.objects.get(pk=provision.pk)
    assert final.body == merged
    document = brackets.parse(final.body).document
    assert brackets.count_brackets(document).by_party == {"EU": 2}
    assert "[EU: should]" in final.body  # attributed to my party, next to theirs


def test_an_alternative_can_be_taken_out_again(world, client, make_provision):
    provision = make_provision("A shall b.\n\nC shall d.")
    us_edit(world, provision, "A must b.\n\nC must d.")
    client.force_login(world.user("EU", "negotiator"))
    page = post_edit(client, provision, "A should b.\n\nC may d.", version=1).content.decode()
    assert "in every place" in page  # two conflicts: one button adds mine at both

    both = resend(client, provision, page, action="add-all").content.decode()
    assert html.unescape(field(both, "body")) == "A [must][EU: should] b.\n\nC [must][EU: may] d."
    assert field(both, "alternatives") == "0,1"

    one = resend(client, provision, both, action="undo:0").content.decode()
    assert html.unescape(field(one, "body")) == "A must b.\n\nC [must][EU: may] d."
    assert field(one, "alternatives") == "1"


def test_a_version_saved_while_on_the_conflict_screen_is_merged_in(world, client, provision):
    us_edit(world, provision, BASE.replace("shall cooperate", "must cooperate"))
    client.force_login(world.user("EU", "negotiator"))
    mine = BASE.replace("shall cooperate", "should cooperate")
    page = post_edit(client, provision, mine, version=1).content.decode()
    us_edit(
        world,
        provision,
        BASE.replace("shall cooperate", "must cooperate").replace("policy", "policy [US: x]"),
        version=2,
    )

    again = resend(client, provision, page, action="add:0").content.decode()

    assert "Version 3 was saved meanwhile" in again
    assert field(again, "version") == "3"
    assert field(again, "alternatives") == ""  # choose again
    assert "[US: x]" in html.unescape(field(again, "body"))


def test_saving_a_stale_merge_merges_again(world, client, provision):
    us_edit(world, provision, BASE.replace("prices.", "prices [US: for cobalt]."))
    client.force_login(world.user("EU", "negotiator"))
    page = post_edit(
        client, provision, BASE.replace("policy.", "policy [EU: yearly]."), version=1
    ).content.decode()
    us_edit(
        world, provision, BASE.replace("prices.", "prices [US: for cobalt and nickel]."), version=2
    )

    response = resend(client, provision, page)

    assert response.status_code == 409
    page = response.content.decode()
    assert field(page, "base_version") == "2" and field(page, "version") == "3"
    assert html.unescape(field(page, "body")).endswith(
        "[US: for cobalt and nickel].\n\n2. Each Party shall publish its stockpiling policy "
        "[EU: yearly]."
    )


def test_a_merge_the_rules_refuse_shows_why_and_keeps_everything(world, client, provision):
    us_edit(world, provision, BASE.replace("prices.", "prices [US: for cobalt]."))
    client.force_login(world.user("EU", "negotiator"))
    mine = BASE.replace("policy.", "policy [EU: yearly].")
    page = post_edit(client, provision, mine, version=1).content.decode()
    by_hand = html.unescape(field(page, "body")).replace("[US: for cobalt]", "[US: for nickel]")

    refused = resend(client, provision, page, body=by_hand)

    assert refused.status_code == 409
    page = refused.content.decode()
    assert "You cannot make this change directly; nothing was saved" in page
    assert re.search(r"Line 1, column \d+: ", page)
    assert "Someone saved this provision while you were editing" in page  # still the merge
    assert html.unescape(field(page, "body")) == by_hand
    assert html.unescape(field(page, "yours")) == mine
    assert Provision.objects.get(pk=provision.pk).version == 2


def test_a_stale_edit_whose_base_is_not_in_the_history_shows_both_texts(world, client, provision):
    us_edit(world, provision, BASE.replace("shall cooperate", "must cooperate"))
    client.force_login(world.user("EU", "negotiator"))
    response = post_edit(client, provision, BASE + "\n\n3. [EU: New.]", version=7)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version 7 is not in this provision&#x27;s history" in page
    assert html.unescape(field(page, "yours")) == BASE + "\n\n3. [EU: New.]"


def test_conflict_screen_answers_bad_input_with_400(world, client, provision):
    us_edit(world, provision, BASE.replace("shall cooperate", "must cooperate"))
    client.force_login(world.user("EU", "negotiator"))
    url = f"/provisions/{provision.pk}/edit/"
    state = {"heading": provision.heading, "body": BASE, "version": 2, "base_version": 1}
    assert client.post(url, {**state, "yours": BASE, "alternatives": "x"}).status_code == 400
    assert client.post(url, {**state, "yours": BASE, "merge_action": "zap"}).status_code == 400
    huge = client.post(url, {**state, "yours": BASE, "alternatives": "9" * 5000})
    assert huge.status_code == 400
    out_of_range = client.post(url, {**state, "yours": BASE, "merge_action": "add:99"})
    assert out_of_range.status_code == 200
    assert Provision.objects.get(pk=provision.pk).version == 2


# API ---------------------------------------------------------------------------------------------


def test_api_conflict_carries_a_clean_merge(world, api, provision):
    us_edit(world, provision, BASE.replace("prices.", "prices [US: for cobalt]."))
    client = api(world.user("EU", "negotiator"))
    mine = BASE.replace("policy.", "policy [EU: yearly].")

    response = client.patch(f"/api/v1/provisions/{provision.pk}/", {"body": mine, "version": 1})

    assert response.status_code == 409
    data = response.json()
    assert data["base_version"] == 1 and data["current_version"] == 2
    merged = (
        "1. The Parties shall cooperate on reference prices [US: for cobalt].\n\n"
        "2. Each Party shall publish its stockpiling policy [EU: yearly]."
    )
    assert data["merge"] == {"clean": True, "text": merged, "conflicts": []}
    # Sending the merge back with the current version saves both changes.
    saved = client.patch(
        f"/api/v1/provisions/{provision.pk}/", {"body": merged}, HTTP_IF_MATCH='"2"'
    )
    assert saved.status_code == 200
    assert Provision.objects.get(pk=provision.pk).body == merged


def test_api_conflict_lists_each_conflict(world, api, provision):
    us_edit(world, provision, BASE.replace("shall cooperate", "must cooperate"))
    response = api(world.user("EU", "negotiator")).put(
        f"/api/v1/provisions/{provision.pk}/",
        {
            **{
                k: v
                for k, v in api(world.user("EU", "negotiator"))
                .get(f"/api/v1/provisions/{provision.pk}/")
                .json()
                .items()
                if k in {"chapter", "number", "order", "heading", "category", "minerals"}
            },
            "body": BASE.replace("shall cooperate", "should cooperate"),
        },
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 409
    merge = response.json()["merge"]
    assert merge["clean"] is False
    assert merge["text"] == BASE.replace("shall cooperate", "must cooperate")
    assert merge["conflicts"] == [
        {"paragraph": 1, "base": "shall", "theirs": "must", "yours": "should"}
    ]


def test_api_conflict_without_a_body_or_a_known_base_has_no_merge(world, api, provision):
    us_edit(world, provision, BASE.replace("shall cooperate", "must cooperate"))
    client = api(world.user("EU", "negotiator"))
    heading_only = client.patch(
        f"/api/v1/provisions/{provision.pk}/", {"heading": "New"}, HTTP_IF_MATCH='"1"'
    )
    assert heading_only.status_code == 409
    assert heading_only.json()["base_version"] == 1 and heading_only.json()["merge"] is None
    unknown = client.patch(
        f"/api/v1/provisions/{provision.pk}/", {"body": BASE}, HTTP_IF_MATCH='"9"'
    )
    assert unknown.status_code == 409
    assert unknown.json()["base_version"] == 9 and unknown.json()["merge"] is None


def test_line_breaks_posted_as_crlf_are_stored_as_lf(world, client, provision):
    """A browser posting the form itself sends CRLF: the text is the same, and the rules (which
    compare texts character by character) see only what the user changed."""
    client.force_login(world.user("EU", "negotiator"))
    mine = BASE.replace("policy.", "policy [EU: yearly].")
    response = post_edit(client, provision, mine.replace("\n", "\r\n"), version=1)
    assert response.status_code == 302
    assert Provision.objects.get(pk=provision.pk).body == mine
