"""Each party speaks only for itself: the ownership rules as the service, the API and the pages apply
them to real edits."""

import pytest
from django.core.exceptions import ValidationError

from parties.access import actor_for
from provisions import services
from provisions.models import Provision

TEXT = (
    "1. Each Party shall review reference prices every [US: 60][EU: 80] days.\n\n"
    "2. The Committee shall [EU, JP: consider][publish] the results."
)


@pytest.fixture
def tabled(world, make_provision, secretariat):
    """Article 2.x, proposed by the US, as the parties sent it in, tabled."""
    provision = services.provision_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        chapter=world.chapter,
        number="2.1",
        heading="Reference prices",
        category="trade_measures",
        body=TEXT,
        proposed_by=world.us,
        tabled_from="Consolidated draft of 1 December",
    )
    return services.provision_set_status(
        actor=actor_for(secretariat), provision=provision, status="tabled"
    )


def _put(api, user, provision, body):
    return api(user).patch(
        f"/api/v1/provisions/{provision.pk}/",
        {"body": body, "version": provision.version},
        format="json",
    )


@pytest.mark.parametrize(
    ("after", "group"),
    [
        (TEXT.replace("[EU: 80]", "[EU: 95]"), "[EU: 80]"),
        (TEXT.replace("[EU: 80]", ""), "[EU: 80]"),
        (TEXT + " [EU: The EU accepts the US figure]", "[EU: The EU accepts the US figure]"),
        (TEXT.replace("[EU, JP: consider]", "[EU, JP: examine]"), "[EU, JP: consider]"),
    ],
    ids=["edit-eu-group", "delete-eu-alternative", "words-in-eu-mouth", "edit-co-sponsored"],
)
def test_us_negotiator_cannot_touch_the_eus_language_and_it_stays_byte_identical(
    world, api, tabled, after, group
):
    response = _put(api, world.user("US", "negotiator"), tabled, after)

    assert response.status_code == 403
    rules = response.json()["negotiation_rules"]
    assert any(group in rule["message"] for rule in rules)
    assert all(rule["line"] >= 1 and rule["column"] >= 1 for rule in rules)
    assert (
        "submit a proposal" in response.json()["detail"]
        or "resolution" in response.json()["detail"]
    )
    stored = Provision.objects.get(pk=tabled.pk)
    assert (stored.body, stored.version) == (TEXT, tabled.version)


@pytest.mark.parametrize(
    "after",
    [
        TEXT.replace("[US: 60]", "[US: 45]"),  # its own group
        TEXT.replace("[EU: 80] days", "[EU: 80][US: 90] days"),  # another alternative of its own
        TEXT.replace("[EU: 80]", "[EU, US: 80]"),  # joining the EU
        TEXT.replace("the results", "the results [US: within a month]"),  # an insertion
        TEXT.replace("reference prices", "[reference prices][US: floor prices]"),  # bracketing
    ],
    ids=["own-group", "own-alternative", "join", "insertion", "bracket-common-text"],
)
def test_us_negotiator_changes_its_own_language_and_adds_brackets(world, api, tabled, after):
    response = _put(api, world.user("US", "negotiator"), tabled, after)

    assert response.status_code == 200, response.json()
    assert Provision.objects.get(pk=tabled.pk).body == after


def test_tabling_a_text_that_speaks_for_another_party_is_refused(world, api):
    response = api(world.user("US", "negotiator")).post(
        "/api/v1/provisions/",
        {
            "agreement": world.agreement.pk,
            "chapter": world.chapter.pk,
            "number": "2.9",
            "heading": "Reference prices",
            "category": "trade_measures",
            "body": "1. Prices [US: 60][EU: The EU accepts the US figure].",
        },
        format="json",
    )

    assert response.status_code == 403
    assert "[EU: The EU accepts the US figure]" in response.json()["detail"]
    assert not Provision.objects.filter(number="2.9").exists()


def test_only_the_secretariat_tables_a_consolidated_text_and_the_history_says_so(
    world, api, tabled
):
    assert tabled.history.earliest().history_change_reason == (
        "Consolidated text tabled by the secretariat: Consolidated draft of 1 December"
    )
    with pytest.raises(ValidationError):
        services.provision_create(
            actor=actor_for(world.user("US", "negotiator")),
            agreement=world.agreement,
            chapter=world.chapter,
            number="2.8",
            heading="x",
            category="trade_measures",
            body=TEXT,
            tabled_from="A draft",
        )


def test_the_proposing_party_drafts_freely_until_it_tables(world, make_provision, secretariat):
    draft = make_provision("Each Party [shall][may] notify.")
    us = actor_for(world.user("US", "negotiator"))

    draft = services.provision_update(
        actor=us, provision=draft, expected_version=draft.version, body="Each Party shall inform."
    )
    tabled = services.provision_set_status(
        actor=actor_for(secretariat), provision=draft, status="tabled"
    )
    with pytest.raises(services.NegotiationRuleViolation):
        services.provision_update(
            actor=us,
            provision=tabled,
            expected_version=tabled.version,
            body="Each Party may inform.",
        )


def test_the_chair_edits_common_text_with_a_reason_but_never_a_partys_language(
    world, tabled, secretariat
):
    chair = actor_for(secretariat)
    common = TEXT.replace("The Committee", "The Joint Committee")
    with pytest.raises(ValidationError) as missing_reason:
        services.provision_update(
            actor=chair, provision=tabled, expected_version=tabled.version, body=common
        )
    assert "reason" in missing_reason.value.message_dict

    saved = services.provision_update(
        actor=chair,
        provision=tabled,
        expected_version=tabled.version,
        body=common,
        reason="Legal scrubbing: the Committee's name",
    )
    assert saved.history.latest().history_change_reason == "Legal scrubbing: the Committee's name"
    with pytest.raises(services.NegotiationRuleViolation):
        services.provision_update(
            actor=chair,
            provision=saved,
            expected_version=saved.version,
            body=common.replace("[EU: 80]", "[EU: 90]"),
            reason="Tidying",
        )


def test_reverting_to_a_version_with_other_words_of_another_party_is_refused(world, tabled):
    eu = actor_for(world.user("EU", "negotiator"))
    edited = services.provision_update(
        actor=eu,
        provision=tabled,
        expected_version=tabled.version,
        body=TEXT.replace("[EU: 80]", "[EU: 75]"),
    )

    with pytest.raises(services.NegotiationRuleViolation):
        services.provision_revert(
            actor=actor_for(world.user("US", "negotiator")),
            provision=edited,
            record=edited.history.get(version=tabled.version),
            expected_version=edited.version,
        )
    assert Provision.objects.get(pk=tabled.pk).body == edited.body


def test_the_editor_page_shows_the_refusal_and_keeps_the_text(client, world, tabled):
    client.force_login(world.user("US", "negotiator"))
    attempt = TEXT.replace("[EU: 80]", "[EU: 95]")

    response = client.post(
        f"/provisions/{tabled.pk}/edit/",
        {"heading": tabled.heading, "body": attempt, "version": tabled.version, "reason": ""},
    )

    assert response.status_code == 409  # shown in place by htmx, as a stale edit is
    page = response.content.decode()
    assert "You cannot make this change directly" in page
    assert "Line 1, column 59" in page and "[EU: 80]" in page
    assert "[EU: 95]" in page  # the user's text, kept in the editor
    assert Provision.objects.get(pk=tabled.pk).body == TEXT


def test_taking_a_tabled_provision_back_to_draft_gives_its_proposer_no_free_hand(
    world, make_provision, secretariat
):
    us_lead = actor_for(world.user("US", "lead"))
    draft = make_provision("Each Party shall notify [annually].")
    tabled = services.provision_set_status(actor=us_lead, provision=draft, status="tabled")
    back = services.provision_set_status(actor=us_lead, provision=tabled, status="draft")

    with pytest.raises(services.NegotiationRuleViolation):
        services.provision_update(
            actor=actor_for(world.user("US", "negotiator")),
            provision=back,
            expected_version=back.version,
            body="Each Party may notify annually.",
        )
    assert Provision.objects.get(pk=draft.pk).ever_tabled


def test_a_consolidated_text_is_no_one_partys_draft(world, tabled):
    consolidated = Provision.objects.get(pk=tabled.pk)
    assert consolidated.ever_tabled


def test_a_resolution_only_removes_brackets_even_the_chairs(world, tabled, secretariat):
    from negotiations.services import WordingChange, resolution_propose

    reworded = TEXT.replace("[US: 60][EU: 80]", "60").replace("Each Party", "Every Party")
    for author in (secretariat, world.user("US", "negotiator")):
        with pytest.raises(WordingChange):
            resolution_propose(
                actor=actor_for(author),
                provision=tabled,
                base_version=tabled.version,
                body=reworded,
            )
    chosen = resolution_propose(
        actor=actor_for(secretariat),
        provision=tabled,
        base_version=tabled.version,
        body=TEXT.replace("[US: 60][EU: 80]", "60"),
    )
    assert set(chosen.concerned.values_list("code", flat=True)) == {"US", "EU"}
