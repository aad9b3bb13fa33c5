"""Resolutions: removing brackets takes effect when every party concerned consents, on one version.

Services first (the rules), then the API end to end, then the provision page.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from agreement.models import Participation
from negotiations import services
from negotiations.models import Consent, Notification, Proposal, Resolution
from parties.access import actor_for
from parties.models import Membership
from provisions import services as provision_services
from provisions.models import Provision, Status
from tests.factories import MembershipFactory, ParticipationFactory, PartyFactory, UserFactory

ALTERNATIVES = "1. The Parties [US: shall][EU: should] cooperate."
RESOLVED = "1. The Parties shall cooperate."
MEETING = "Round 3 plenary, Brussels"
# The US tables its text, the EU adds its alternative: the provision the tests start from.
BASE = 2


@pytest.fixture
def actor(world):
    def make(name: str):
        if name == "secretariat":
            from django.contrib.auth import get_user_model

            return actor_for(get_user_model().objects.get(username="secretariat"))
        code, role = name.split("-")
        return actor_for(world.user(code.upper(), role))

    return make


def tabled(make_provision, actor, us_text: str, with_eu: str):
    """A provision as the US tabled it, then with the EU's language added by the EU."""
    provision = make_provision(us_text)
    return provision_services.provision_update(
        actor=actor("eu-negotiator"), provision=provision, expected_version=1, body=with_eu
    )


@pytest.fixture
def provision(make_provision, actor):
    provision = tabled(make_provision, actor, "1. The Parties [US: shall] cooperate.", ALTERNATIVES)
    assert provision.version == BASE
    return provision


def propose(actor, provision, body=RESOLVED, **kwargs):
    return services.resolution_propose(
        actor=actor, provision=provision, base_version=provision.version, body=body, **kwargs
    )


def codes(resolution) -> list[str]:
    return sorted(resolution.concerned.values_list("code", flat=True))


def notified(kind: str, message_part: str = "") -> set[str]:
    return set(
        Notification.objects.filter(kind=kind, message__contains=message_part).values_list(
            "recipient__username", flat=True
        )
    )


# --- services -----------------------------------------------------------------------------------


def test_choosing_an_alternative_needs_both_sponsors_and_takes_effect_on_the_last_consent(
    world, actor, provision, django_capture_on_commit_callbacks
):
    resolution = propose(actor("us-negotiator"), provision, note="The room chose shall.")
    assert codes(resolution) == ["EU", "US"]  # JP observes: it never consents
    assert resolution.state == Resolution.State.PENDING
    assert resolution.party == world.us and resolution.base_version == provision.version
    asked = notified(Notification.Kind.RESOLUTION, "consent of EU, US is asked for")
    assert {"eu-lead", "eu-negotiator", "eu-reviewer", "us-lead"} <= asked
    assert "us-negotiator" not in asked  # never the person who caused it
    assert not any(name.startswith("jp-") for name in asked)

    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=resolution.base_version
    )
    provision.refresh_from_db()
    assert provision.body == ALTERNATIVES and provision.version == BASE  # nothing changes yet
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.PENDING

    resolution = services.resolution_consent(
        actor=actor("eu-negotiator"),
        resolution=resolution,
        expected_version=resolution.base_version,
    )
    provision.refresh_from_db()
    assert provision.body == RESOLVED and provision.version == BASE + 1
    assert provision.bracket_count == 0 and provision.text_version == BASE + 1
    assert resolution.state == Resolution.State.ADOPTED and resolution.resulting_version == BASE + 1
    assert resolution.decided_at is not None
    record = provision.history.get(version=BASE + 1)
    assert record.history_change_reason == (
        f"Resolution #{resolution.pk} adopted: consent of EU (eu-negotiator), US (us-lead)"
    )
    assert record.history_user == world.user("EU", "negotiator")
    answers = {c.party.code: (c.answer, c.provision_version) for c in resolution.consents.all()}
    assert answers == {"US": ("consent", BASE), "EU": ("consent", BASE)}
    adopted = notified(Notification.Kind.RESOLUTION, f"Resolution #{resolution.pk} adopted")
    assert {"us-lead", "us-negotiator", "eu-lead"} <= adopted


def test_unattributed_brackets_need_every_participant_but_no_observer(world, actor, make_provision):
    kr = PartyFactory(code="KR", name="Korea")
    ParticipationFactory(agreement=world.agreement, party=kr)
    kr_lead = UserFactory(username="kr-lead")
    MembershipFactory(user=kr_lead, party=kr, role="lead")
    provision = make_provision("The Parties [shall] cooperate.")

    resolution = propose(actor("eu-negotiator"), provision, body="The Parties shall cooperate.")

    assert codes(resolution) == ["EU", "KR", "US"]
    for name in ("us-negotiator", "eu-lead"):
        services.resolution_consent(
            actor=actor(name), resolution=resolution, expected_version=provision.version
        )
    provision.refresh_from_db()
    assert provision.body == "The Parties [shall] cooperate."  # KR has not consented yet
    services.resolution_consent(
        actor=actor_for(kr_lead), resolution=resolution, expected_version=provision.version
    )
    provision.refresh_from_db()
    assert provision.body == "The Parties shall cooperate."


def test_the_secretariat_records_consent_given_in_the_room_naming_the_meeting(
    world, actor, provision
):
    resolution = propose(actor("secretariat"), provision)
    assert resolution.party is None and codes(resolution) == ["EU", "US"]
    chair = actor("secretariat")

    with pytest.raises(ValidationError) as no_meeting:
        services.resolution_consent(
            actor=chair, resolution=resolution, expected_version=BASE, party=world.eu
        )
    assert "meeting" in no_meeting.value.message_dict
    with pytest.raises(ValidationError) as no_party:
        services.resolution_consent(
            actor=chair, resolution=resolution, expected_version=BASE, meeting=MEETING
        )
    assert "party" in no_party.value.message_dict
    with pytest.raises(ValidationError) as observer:
        services.resolution_consent(
            actor=chair,
            resolution=resolution,
            expected_version=BASE,
            party=world.jp,
            meeting=MEETING,
        )
    assert "not asked for" in observer.value.message_dict["party"][0]
    assert not Consent.objects.exists()

    services.resolution_consent(
        actor=chair, resolution=resolution, expected_version=BASE, party=world.eu, meeting=MEETING
    )
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )

    provision.refresh_from_db()
    assert provision.body == RESOLVED
    assert provision.history.get(version=BASE + 1).history_change_reason == (
        f"Resolution #{resolution.pk} adopted: consent of "
        f"EU (secretariat, in the room at {MEETING}), US (us-lead)"
    )
    eu = Consent.objects.get(party=world.eu)
    assert eu.meeting == MEETING and eu.recorded_by.username == "secretariat"
    told = notified(Notification.Kind.CONSENT, "recorded that EU consents to resolution #")
    assert {"eu-lead", "eu-negotiator", "eu-reviewer"} <= told
    assert not any(name.startswith("us-") for name in told)


def test_a_delegation_answers_for_itself_only_and_not_in_the_secretariats_name(
    world, actor, provision
):
    resolution = propose(actor("us-negotiator"), provision)
    with pytest.raises(PermissionDenied, match="only, not for EU"):
        services.resolution_consent(
            actor=actor("us-lead"), resolution=resolution, expected_version=BASE, party=world.eu
        )
    with pytest.raises(ValidationError) as in_room:
        services.resolution_consent(
            actor=actor("us-lead"), resolution=resolution, expected_version=BASE, meeting=MEETING
        )
    assert "meeting" in in_room.value.message_dict
    for name in ("us-reviewer", "us-observer", "jp-lead", "jp-negotiator"):
        with pytest.raises(PermissionDenied):
            services.resolution_consent(
                actor=actor(name), resolution=resolution, expected_version=BASE
            )
    assert not Consent.objects.exists()


def test_a_resolution_concerning_only_one_party_is_not_the_others_to_answer(
    world, actor, make_provision
):
    provision = tabled(
        make_provision,
        actor,
        "The Parties shall cooperate.",
        "The Parties shall cooperate [EU: closely].",
    )
    resolution = propose(actor("us-negotiator"), provision, body="The Parties shall cooperate.")
    assert codes(resolution) == ["EU"]
    with pytest.raises(PermissionDenied, match="not asked for"):
        services.resolution_consent(
            actor=actor("us-lead"), resolution=resolution, expected_version=BASE
        )
    services.resolution_consent(
        actor=actor("eu-lead"), resolution=resolution, expected_version=BASE
    )
    provision.refresh_from_db()
    assert provision.body == "The Parties shall cooperate."


def test_a_text_change_makes_the_resolution_stale_and_tells_those_who_consented(
    world, actor, provision
):
    resolution = propose(actor("us-negotiator"), provision)
    services.resolution_consent(
        actor=actor("eu-lead"), resolution=resolution, expected_version=BASE
    )

    # The US changes its own alternative: allowed directly, and the text is no longer the one
    # the EU consented to.
    provision_services.provision_update(
        actor=actor("us-negotiator"),
        provision=provision,
        expected_version=BASE,
        body="1. The Parties [US: must][EU: should] cooperate.",
    )

    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.STALE
    told = notified(Notification.Kind.CONSENT, f"Resolution #{resolution.pk}")
    assert "eu-negotiator" in told and "eu-lead" in told
    assert not any(name.startswith("us-") for name in told)  # the US had not consented

    with pytest.raises(services.ResolutionConflict, match="stale"):
        services.resolution_consent(
            actor=actor("us-lead"), resolution=resolution, expected_version=BASE
        )
    provision.refresh_from_db()
    assert provision.version == BASE + 1 and "[US: must]" in provision.body


def test_consent_on_a_text_changed_behind_the_services_back_is_refused_and_the_resolution_stays_stale(
    actor, provision
):
    resolution = propose(actor("us-negotiator"), provision)
    # A text that reached the database another way (an import, a repair): caught on consent.
    Provision.objects.filter(pk=provision.pk).update(body="1. The Parties [US: must] cooperate.")

    with pytest.raises(services.ResolutionConflict):
        services.resolution_consent(
            actor=actor("eu-lead"), resolution=resolution, expected_version=BASE
        )

    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.STALE
    assert not resolution.consents.exists()


def test_consent_on_another_version_than_the_resolutions_is_a_conflict(actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    provision_services.provision_set_status(
        actor=actor("us-lead"), provision=provision, status=Status.TABLED, expected_version=BASE
    )  # a new version, same text: the resolution stands
    with pytest.raises(services.ResolutionConflict, match=f"on version {BASE}"):
        services.resolution_consent(
            actor=actor("eu-lead"), resolution=resolution, expected_version=BASE + 1
        )
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.PENDING and not resolution.consents.exists()
    for name in ("eu-lead", "us-lead"):
        services.resolution_consent(actor=actor(name), resolution=resolution, expected_version=BASE)
    provision.refresh_from_db()
    assert provision.body == RESOLVED and provision.version == BASE + 2
    assert provision.status == Status.TABLED


def test_a_resolution_that_changes_words_is_refused_naming_the_change(actor, provision):
    with pytest.raises(services.WordingChange) as refused:
        propose(actor("us-negotiator"), provision, body="1. The Parties must cooperate.")
    assert "submit a proposal" in refused.value.message_dict["body"][0]
    assert refused.value.extra_detail["negotiation_rules"]
    assert not Resolution.objects.exists()


def test_a_text_that_removes_no_brackets_has_nothing_to_resolve(actor, provision):
    with pytest.raises(ValidationError, match="Nothing to resolve"):
        propose(actor("us-negotiator"), provision, body=ALTERNATIVES)
    with pytest.raises(ValidationError, match="Nothing to resolve"):
        # Adding its own alternative is the party's right: no resolution needed.
        propose(
            actor("us-negotiator"),
            provision,
            body="1. The Parties [US: shall][EU: should][US: will] cooperate.",
        )
    assert not Resolution.objects.exists()


def test_broken_bracket_text_is_refused_with_line_and_column(actor, provision):
    with pytest.raises(provision_services.InvalidBracketText) as broken:
        propose(actor("us-negotiator"), provision, body="1. The Parties [shall cooperate.")
    assert broken.value.bracket_errors[0].line == 1
    assert not Resolution.objects.exists()


def test_a_resolution_for_text_that_changed_meanwhile_is_a_conflict(actor, provision):
    provision_services.provision_update(
        actor=actor("us-negotiator"),
        provision=provision,
        expected_version=BASE,
        body="1. The Parties [US: shall][EU: should] cooperate closely.",
    )
    with pytest.raises(services.ResolutionConflict) as conflict:
        services.resolution_propose(
            actor=actor("eu-negotiator"), provision=provision, base_version=BASE, body=RESOLVED
        )
    assert conflict.value.current_version == BASE + 1
    assert not Resolution.objects.exists()


def test_a_decline_ends_the_resolution_and_the_text_stays(world, actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )
    # A party that consented may still decline while the resolution is pending.
    resolution = services.resolution_decline(
        actor=actor("us-negotiator"), resolution=resolution, expected_version=BASE
    )
    assert resolution.state == Resolution.State.DECLINED
    assert Consent.objects.get(party=world.us).answer == Consent.Answer.DECLINE
    provision.refresh_from_db()
    assert provision.body == ALTERNATIVES and provision.version == BASE
    assert {"eu-lead", "us-lead"} <= notified(Notification.Kind.RESOLUTION, "declined")
    with pytest.raises(services.ResolutionConflict, match="declined"):
        services.resolution_consent(
            actor=actor("eu-lead"), resolution=resolution, expected_version=BASE
        )


def test_consenting_twice_is_a_conflict(actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )
    with pytest.raises(services.ResolutionConflict, match="already answered"):
        services.resolution_consent(
            actor=actor("us-negotiator"), resolution=resolution, expected_version=BASE
        )


def test_the_proposer_withdraws_and_no_one_else(world, actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    for name in ("eu-lead", "secretariat", "us-reviewer"):
        with pytest.raises(PermissionDenied):
            services.resolution_withdraw(actor=actor(name), resolution=resolution)
    resolution = services.resolution_withdraw(actor=actor("us-lead"), resolution=resolution)
    assert resolution.state == Resolution.State.WITHDRAWN
    assert "eu-lead" in notified(Notification.Kind.RESOLUTION, "withdrawn")
    with pytest.raises(services.ResolutionConflict):
        services.resolution_withdraw(actor=actor("us-lead"), resolution=resolution)

    chairs = propose(actor("secretariat"), provision)
    with pytest.raises(PermissionDenied):
        services.resolution_withdraw(actor=actor("us-lead"), resolution=chairs)
    services.resolution_withdraw(actor=actor("secretariat"), resolution=chairs)


def test_only_negotiators_leads_and_the_secretariat_propose(actor, provision):
    for name in ("us-reviewer", "us-observer", "jp-lead", "jp-negotiator"):
        with pytest.raises(PermissionDenied):
            propose(actor(name), provision)
    assert not Resolution.objects.exists()


def test_adopting_one_resolution_makes_the_others_on_the_provision_stale(actor, provision):
    chosen = propose(actor("us-negotiator"), provision)
    other = propose(actor("eu-negotiator"), provision, body="1. The Parties should cooperate.")
    services.resolution_consent(actor=actor("us-lead"), resolution=other, expected_version=BASE)
    for name in ("us-lead", "eu-lead"):
        services.resolution_consent(actor=actor(name), resolution=chosen, expected_version=BASE)
    other.refresh_from_db()
    chosen.refresh_from_db()
    assert chosen.state == Resolution.State.ADOPTED
    assert other.state == Resolution.State.STALE
    assert "us-lead" in notified(Notification.Kind.CONSENT, f"Resolution #{other.pk}")


def test_nothing_is_half_written_when_the_adoption_fails(actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )
    # Withdrawn meanwhile (a status step: same text, the resolution stands): the text is frozen.
    Provision.objects.filter(pk=provision.pk).update(status=Status.WITHDRAWN)

    with pytest.raises(ValidationError, match="withdrawn"):
        services.resolution_consent(
            actor=actor("eu-lead"), resolution=resolution, expected_version=BASE
        )

    resolution.refresh_from_db()
    provision.refresh_from_db()
    assert resolution.state == Resolution.State.PENDING
    assert list(resolution.consents.values_list("party__code", flat=True)) == ["US"]
    assert provision.body == ALTERNATIVES and provision.version == BASE
    assert provision.history.count() == BASE


def test_accepting_a_proposal_needs_every_participant_and_marks_it_accepted(
    world, actor, provision
):
    proposal = Proposal.objects.create(
        agreement=world.agreement,
        provision=provision,
        base_version=BASE,
        party=world.eu,
        author=world.user("EU", "negotiator"),
        body="1. The Parties shall closely cooperate.",  # a change of words: fine by consensus
        state=Proposal.State.TABLED,
    )
    with pytest.raises(ValidationError):
        propose(actor("secretariat"), provision, proposal=proposal)  # not the proposal's text
    resolution = propose(actor("secretariat"), provision, body=proposal.body, proposal=proposal)
    assert codes(resolution) == ["EU", "US"]
    for name in ("us-lead", "eu-lead"):
        services.resolution_consent(actor=actor(name), resolution=resolution, expected_version=BASE)
    proposal.refresh_from_db()
    provision.refresh_from_db()
    assert provision.body == proposal.body
    assert proposal.state == Proposal.State.ACCEPTED
    assert proposal.resulting_version == BASE + 1 and proposal.decided_at is not None
    assert proposal.history.latest().history_change_reason.startswith(
        f"Accepted by consensus: resolution #{resolution.pk}"
    )


def test_a_proposal_written_on_an_older_text_is_not_put_to_acceptance(world, actor, provision):
    proposal = Proposal.objects.create(
        agreement=world.agreement,
        provision=provision,
        base_version=BASE,
        party=world.eu,
        author=world.user("EU", "negotiator"),
        body="1. The Parties shall closely cooperate.",
        state=Proposal.State.TABLED,
    )
    provision = provision_services.provision_update(
        actor=actor("us-negotiator"),
        provision=provision,
        expected_version=BASE,
        body="1. The Parties [US: must][EU: should] cooperate.",
    )
    with pytest.raises(services.ResolutionConflict, match=f"written on version {BASE}"):
        propose(actor("secretariat"), provision, body=proposal.body, proposal=proposal)


def test_a_long_meeting_name_does_not_break_the_history(world, actor, provision):
    meeting = "Round 3 plenary, Brussels, Charlemagne building, room S3, afternoon session " * 2
    resolution = propose(actor("us-negotiator"), provision)
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )
    services.resolution_consent(
        actor=actor("secretariat"),
        resolution=resolution,
        expected_version=BASE,
        party=world.eu,
        meeting=meeting[:200],
    )
    reason = provision.history.get(version=BASE + 1).history_change_reason
    field = type(provision.history.first())._meta.get_field("history_change_reason")
    assert reason.startswith(f"Resolution #{resolution.pk} adopted: consent of EU (secretariat")
    assert field.max_length is None or len(reason) <= field.max_length


def test_observer_standing_parties_cannot_propose_even_with_edit_roles(world, actor, provision):
    Participation.objects.filter(agreement=world.agreement, party=world.eu).update(
        standing=Participation.Standing.OBSERVER
    )
    with pytest.raises(PermissionDenied):
        propose(actor("eu-negotiator"), provision)


# --- API ----------------------------------------------------------------------------------------

LIST = "/api/v1/resolutions/"


def detail(resolution_id, action: str = "") -> str:
    return f"/api/v1/resolutions/{resolution_id}/" + (f"{action}/" if action else "")


def test_api_propose_consent_adopt(world, api, provision, secretariat):
    response = api(world.user("US", "negotiator")).post(
        LIST,
        {"provision": provision.pk, "body": RESOLVED, "note": "Shall, as in 2.4."},
        HTTP_IF_MATCH=f'"{BASE}"',
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (
        data["state"] == "pending" and data["party"] == "US" and data["author"] == "us-negotiator"
    )
    assert data["base_version"] == BASE and data["concerned"] == ["EU", "US"]
    assert [(a["party"], a["answer"]) for a in data["answers"]] == [
        ("EU", "pending"),
        ("US", "pending"),
    ]
    assert "".join(op["text"] for op in data["diff"] if op["op"] != "insert") == ALTERNATIVES
    assert "".join(op["text"] for op in data["diff"] if op["op"] != "delete") == RESOLVED

    got = api(world.user("EU", "observer")).get(detail(data["id"]))
    assert got.status_code == 200 and got["ETag"] == f'"{BASE}"'
    listed = api(world.user("EU", "lead")).get(
        LIST, {"provision": provision.pk, "state": "pending"}
    )
    assert [r["id"] for r in listed.json()["results"]] == [data["id"]]
    assert api(world.user("EU", "lead")).get(LIST, {"state": "adopted"}).json()["results"] == []

    consented = api(world.user("US", "lead")).post(detail(data["id"], "consent"), {"version": BASE})
    assert consented.status_code == 200, consented.content
    assert consented.json()["state"] == "pending"
    in_room = api(secretariat).post(
        detail(data["id"], "consent"), {"version": BASE, "party": "EU", "meeting": MEETING}
    )
    assert in_room.status_code == 200, in_room.content
    adopted = in_room.json()
    assert adopted["state"] == "adopted" and adopted["resulting_version"] == BASE + 1
    eu = next(a for a in adopted["answers"] if a["party"] == "EU")
    assert eu["answer"] == "consent" and eu["meeting"] == MEETING
    assert eu["recorded_by"] == "secretariat" and eu["provision_version"] == BASE
    provision.refresh_from_db()
    assert provision.body == RESOLVED


def test_api_bad_input_is_a_400_naming_the_field(world, api, provision, secretariat):
    client = api(world.user("US", "negotiator"))
    no_version = client.post(LIST, {"provision": provision.pk, "body": RESOLVED})
    assert no_version.status_code == 400 and "version" in no_version.json()
    unknown = client.post(LIST, {"provision": 99999, "body": RESOLVED, "version": BASE})
    assert unknown.status_code == 400 and "provision" in unknown.json()
    words = client.post(
        LIST, {"provision": provision.pk, "body": "1. The Parties must cooperate.", "version": BASE}
    )
    assert words.status_code == 400
    assert "submit a proposal" in words.json()["body"][0]
    assert words.json()["negotiation_rules"][0]["line"] == 1
    broken = client.post(
        LIST, {"provision": provision.pk, "body": "1. [US: shall cooperate.", "version": BASE}
    )
    assert broken.status_code == 400 and broken.json()["bracket_errors"][0]["line"] == 1
    nothing = client.post(LIST, {"provision": provision.pk, "body": ALTERNATIVES, "version": BASE})
    assert nothing.status_code == 400 and "Nothing to resolve" in nothing.json()["body"][0]
    assert not Resolution.objects.exists()

    resolution_id = client.post(
        LIST, {"provision": provision.pk, "body": RESOLVED, "version": BASE}
    ).json()["id"]
    chair = api(secretariat)
    no_meeting = chair.post(detail(resolution_id, "consent"), {"version": BASE, "party": "EU"})
    assert no_meeting.status_code == 400 and "meeting" in no_meeting.json()
    no_party = chair.post(detail(resolution_id, "consent"), {"version": BASE, "meeting": MEETING})
    assert no_party.status_code == 400 and "party" in no_party.json()
    bad_party = chair.post(
        detail(resolution_id, "decline"), {"version": BASE, "party": "ZZ", "meeting": MEETING}
    )
    assert bad_party.status_code == 400 and "party" in bad_party.json()
    no_answer_version = api(world.user("EU", "lead")).post(detail(resolution_id, "consent"))
    assert no_answer_version.status_code == 400 and "version" in no_answer_version.json()
    bad_state = api(world.user("EU", "lead")).get(LIST, {"state": "maybe"})
    assert bad_state.status_code == 400 and "state" in bad_state.json()
    assert not Consent.objects.exists()


def test_api_conflicts(world, api, provision):
    stale_base = api(world.user("EU", "negotiator")).post(
        LIST, {"provision": provision.pk, "body": RESOLVED, "version": BASE - 1}
    )
    assert stale_base.status_code == 409
    assert stale_base.json()["current_version"] == BASE
    assert "Resolutions are for the text as it stands" in stale_base.json()["detail"]

    resolution_id = (
        api(world.user("US", "negotiator"))
        .post(LIST, {"provision": provision.pk, "body": RESOLVED, "version": BASE})
        .json()["id"]
    )
    api(world.user("EU", "lead")).post(detail(resolution_id, "consent"), {"version": BASE})
    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=BASE,
        body="1. The Parties [US: must][EU: should] cooperate.",
    )
    late = api(world.user("US", "lead")).post(detail(resolution_id, "consent"), {"version": BASE})
    assert late.status_code == 409
    assert late.json()["resolution"]["state"] == "stale"
    assert late.json()["current_version"] == BASE + 1
    provision.refresh_from_db()
    assert provision.version == BASE + 1 and "[US: must]" in provision.body


def test_api_unknown_ids_are_404(world, api, provision, make_provision):
    client = api(world.user("US", "lead"))
    assert client.get(detail(424242)).status_code == 404
    for action in ("consent", "decline", "withdraw"):
        assert client.post(detail(424242, action), {"version": 1}).status_code == 404
    # A resolution in an agreement the party does not take part in is unknown to it.
    resolution = propose(actor_for(world.user("US", "negotiator")), provision)
    outsider = UserFactory(username="kr-lead")
    MembershipFactory(user=outsider, party=PartyFactory(code="KR"), role="lead")
    assert api(outsider).get(detail(resolution.pk)).status_code == 404
    assert (
        api(outsider).post(detail(resolution.pk, "consent"), {"version": BASE}).status_code == 404
    )


ROLES = [
    "anonymous",
    *(f"{code}-{role}" for code in ("us", "eu", "jp") for role in Membership.Role.values),
    "secretariat",
]
PROPOSERS = {"us-negotiator", "us-lead", "eu-negotiator", "eu-lead", "secretariat"}
ANSWERERS = PROPOSERS  # each for its own party; the secretariat in the room
WITHDRAWERS = {"us-negotiator", "us-lead"}  # the proposing party (the US here)


def client_as(api, world, name, secretariat):
    if name == "anonymous":
        return api()
    if name == "secretariat":
        return api(secretariat)
    code, role = name.split("-")
    return api(world.user(code.upper(), role))


@pytest.mark.parametrize("name", ROLES)
def test_every_action_by_every_role(name, world, api, provision, secretariat):
    client = client_as(api, world, name, secretariat)
    denied = 401 if name == "anonymous" else 403

    proposed = client.post(LIST, {"provision": provision.pk, "body": RESOLVED, "version": BASE})
    assert proposed.status_code == (201 if name in PROPOSERS else denied), proposed.content

    for action in ("consent", "decline"):
        resolution = propose(actor_for(world.user("US", "negotiator")), provision)
        in_room = {"party": "EU", "meeting": MEETING} if name == "secretariat" else {}
        answered = client.post(detail(resolution.pk, action), {"version": BASE, **in_room})
        assert answered.status_code == (200 if name in ANSWERERS else denied), answered.content
        recorded = resolution.consents.exists()
        assert recorded == (name in ANSWERERS)

    resolution = propose(actor_for(world.user("US", "negotiator")), provision)
    withdrawn = client.post(detail(resolution.pk, "withdraw"))
    assert withdrawn.status_code == (200 if name in WITHDRAWERS else denied), withdrawn.content
    resolution.refresh_from_db()
    assert (resolution.state == Resolution.State.WITHDRAWN) == (name in WITHDRAWERS)

    listed = client.get(LIST)
    assert listed.status_code == (401 if name == "anonymous" else 200)


# --- pages --------------------------------------------------------------------------------------


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_provision_page_lists_pending_resolutions_with_who_has_answered(
    world, actor, provision, secretariat
):
    resolution = propose(actor("us-negotiator"), provision, note="As the room agreed.")
    services.resolution_consent(
        actor=actor("us-lead"), resolution=resolution, expected_version=BASE
    )
    url = reverse("provisions:provision-detail", args=[provision.pk])

    eu = page_client(world.user("EU", "negotiator")).get(url).content.decode()
    assert f"Resolution #{resolution.pk}" in eu and "As the room agreed." in eu
    assert '<del class="diff-del">' in eu  # the brackets it removes
    assert "Consents" in eu and "(us-lead)" in eu and "Has not answered yet" in eu
    assert reverse("negotiations:resolution-consent", args=[resolution.pk]) in eu
    assert "EU consents" in eu and "EU declines" in eu
    assert "Withdraw this resolution" not in eu  # the US proposed it

    us = page_client(world.user("US", "lead")).get(url).content.decode()
    assert "US has consented." in us and "US declines" in us
    assert "Withdraw this resolution" in us

    reviewer = page_client(world.user("EU", "reviewer")).get(url).content.decode()
    assert f"Resolution #{resolution.pk}" in reviewer
    assert reverse("negotiations:resolution-consent", args=[resolution.pk]) not in reviewer
    assert "Propose a resolution" not in reviewer

    chair = page_client(secretariat).get(url).content.decode()
    assert "Record an answer given in the room" in chair
    assert 'name="meeting"' in chair and "EU (European Union)" in chair
    assert "US (United States)" not in chair  # the US has answered already


def test_consenting_from_the_page(world, actor, provision, secretariat):
    resolution = propose(actor("us-negotiator"), provision)
    consent_url = reverse("negotiations:resolution-consent", args=[resolution.pk])
    detail_url = reverse("provisions:provision-detail", args=[provision.pk])

    response = page_client(world.user("US", "lead")).post(consent_url, {"version": BASE})
    assert response.status_code == 302 and response["Location"] == detail_url

    chair = page_client(secretariat)
    chair.post(consent_url, {"version": BASE, "party": world.eu.pk})  # no meeting named
    assert not resolution.consents.filter(party=world.eu).exists()
    followed = chair.post(
        consent_url, {"version": BASE, "party": world.eu.pk, "meeting": MEETING}, follow=True
    )
    assert "adopted" in followed.content.decode()
    provision.refresh_from_db()
    assert provision.body == RESOLVED
    assert (
        "in the room at Round 3 plenary"
        in provision.history.get(version=BASE + 1).history_change_reason
    )

    late = page_client(world.user("EU", "lead")).post(
        reverse("negotiations:resolution-decline", args=[resolution.pk]),
        {"version": BASE},
        follow=True,
    )
    assert "adopted: it takes no more answers" in late.content.decode()


def test_declining_and_withdrawing_from_the_page(world, actor, provision):
    declined = propose(actor("us-negotiator"), provision)
    page_client(world.user("EU", "negotiator")).post(
        reverse("negotiations:resolution-decline", args=[declined.pk]), {"version": BASE}
    )
    declined.refresh_from_db()
    assert declined.state == Resolution.State.DECLINED

    withdrawn = propose(actor("us-negotiator"), provision)
    denied = page_client(world.user("EU", "lead")).post(
        reverse("negotiations:resolution-withdraw", args=[withdrawn.pk])
    )
    assert denied.status_code == 403
    page_client(world.user("US", "negotiator")).post(
        reverse("negotiations:resolution-withdraw", args=[withdrawn.pk])
    )
    withdrawn.refresh_from_db()
    assert withdrawn.state == Resolution.State.WITHDRAWN


def test_proposing_from_the_page(world, provision):
    url = reverse("negotiations:resolution-propose", args=[provision.pk])
    client = page_client(world.user("EU", "negotiator"))
    form = client.get(url)
    assert form.status_code == 200
    assert ALTERNATIVES in form.content.decode()  # the editor starts from the current text
    assert f'name="version" value="{BASE}"' in form.content.decode()

    words = client.post(url, {"body": "1. The Parties must cooperate.", "version": BASE})
    assert words.status_code == 400
    assert "change of wording" in words.content.decode()
    assert "1. The Parties must cooperate." in words.content.decode()  # the text is kept
    broken = client.post(url, {"body": "1. The Parties [shall cooperate.", "version": BASE})
    assert broken.status_code == 400 and "bracket error" in broken.content.decode()
    stale = client.post(url, {"body": RESOLVED, "version": BASE - 1})
    assert stale.status_code == 409 and RESOLVED in stale.content.decode()
    assert not Resolution.objects.exists()

    done = client.post(url, {"body": RESOLVED, "note": "Shall.", "version": BASE})
    assert done.status_code == 302
    resolution = Resolution.objects.get()
    assert resolution.party == world.eu and resolution.note == "Shall."

    assert page_client(world.user("EU", "reviewer")).get(url).status_code == 403
    assert (
        page_client(world.user("JP", "lead"))
        .post(url, {"body": RESOLVED, "version": BASE})
        .status_code
        == 403
    )
    assert Client().get(url).status_code == 302  # to sign in


def test_a_refused_answer_changes_nothing_not_even_a_stale_mark(actor, provision):
    resolution = propose(actor("us-negotiator"), provision)
    Provision.objects.filter(pk=provision.pk).update(body="1. The Parties [US: must] cooperate.")
    with pytest.raises(PermissionDenied):
        services.resolution_consent(
            actor=actor("us-reviewer"), resolution=resolution, expected_version=BASE
        )
    resolution.refresh_from_db()
    assert resolution.state == Resolution.State.PENDING
