"""Consensus to agree: each participant's `agree` bound to the version it was given on, stale once
the text changes, and needed by agreed ad referendum and agreed."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from negotiations.models import Notification, Position
from negotiations.services import StaleConsent, position_record
from parties.access import actor_for
from provisions import services as provision_services
from provisions.models import Provision
from provisions.selectors import AGREE, ConsentState, agree_consents

ROOM = "Round 3 plenary, Brussels"


def lead(world, code):
    return actor_for(world.user(code, "lead"))


def agree(world, code, provision, version=None):
    return position_record(
        actor=lead(world, code),
        provision=provision,
        party=getattr(world, code.lower()),
        stance="agree",
        seen_version=provision.version if version is None else version,
    )


@pytest.fixture
def negotiating(world, make_provision):
    """A US provision without brackets, tabled and under negotiation (version 3)."""
    provision = make_provision("The Parties shall cooperate on reference prices.")
    for status in ("tabled", "under_negotiation"):
        provision = provision_services.provision_set_status(
            actor=lead(world, "US"), provision=provision, status=status
        )
    return provision


def chair_edit(secretariat, provision, body="The Parties shall cooperate closely on prices."):
    """A change of text the chair may make directly (common text, with a reason)."""
    return provision_services.provision_update(
        actor=actor_for(secretariat),
        provision=provision,
        expected_version=provision.version,
        body=body,
        reason="Technical correction agreed in the drafting group",
    )


def test_the_agree_stance_is_the_one_provisions_reads():
    assert AGREE == Position.Stance.AGREE


def test_us_lead_alone_cannot_mark_a_provision_agreed(world, negotiating):
    agree(world, "US", negotiating)
    with pytest.raises(ValidationError, match="no agreement from EU") as refused:
        provision_services.provision_set_status(
            actor=lead(world, "US"), provision=negotiating, status="agreed"
        )
    assert refused.value.extra_detail["consents"] == [
        {"party": "EU", "state": "missing", "version": None}
    ]
    stored = Provision.objects.get(pk=negotiating.pk)
    assert (stored.status, stored.version) == ("under_negotiation", 3)


def test_every_participants_consent_on_the_current_version_lets_any_lead_agree(world, negotiating):
    for code in ("US", "EU"):
        position = agree(world, code, negotiating)
        assert position.provision_version == 3
        assert (
            position.history.latest().history_change_reason == f"{code} position: agree (version 3)"
        )
    # JP observes: it is not asked and does not block.
    assert [(c.party.code, c.state) for c in agree_consents(negotiating)] == [
        ("EU", ConsentState.CURRENT),
        ("US", ConsentState.CURRENT),
    ]
    provision = provision_services.provision_set_status(
        actor=lead(world, "EU"), provision=negotiating, status="agreed_ad_referendum"
    )
    # A status change is not a change of text: the consents still count.
    provision = provision_services.provision_set_status(
        actor=lead(world, "US"), provision=provision, status="agreed"
    )
    assert provision.status == "agreed"


def test_an_edit_makes_the_consents_stale_and_agreeing_is_refused_again(
    world, api, negotiating, secretariat
):
    agree(world, "US", negotiating)
    agree(world, "EU", negotiating)
    edited = chair_edit(secretariat, negotiating)
    assert edited.text_version == 4

    consents = api(world.user("EU", "reviewer")).get(
        f"/api/v1/positions/?provision={negotiating.pk}"
    )
    assert {
        (row["party"], row["stance"], row["provision_version"], row["consent"])
        for row in consents.json()["results"]
    } == {("US", "agree", 3, "stale"), ("EU", "agree", 3, "stale")}

    response = api(world.user("US", "lead")).post(
        f"/api/v1/provisions/{negotiating.pk}/status/", {"status": "agreed", "version": 4}
    )
    assert response.status_code == 400
    assert (
        "stale agreement from EU (agreed version 3; changed since), US"
        in (response.json()["status"][0])
    )
    assert response.json()["consents"] == [
        {"party": "EU", "state": "stale", "version": 3},
        {"party": "US", "state": "stale", "version": 3},
    ]
    assert Provision.objects.get(pk=negotiating.pk).status == "under_negotiation"

    # Agreeing the new text makes them count again.
    agree(world, "US", edited)
    agree(world, "EU", edited)
    assert (
        provision_services.provision_set_status(
            actor=lead(world, "US"), provision=edited, status="agreed"
        ).status
        == "agreed"
    )


def test_the_parties_whose_consent_went_stale_are_told(
    world, negotiating, secretariat, django_capture_on_commit_callbacks
):
    eu_reviewer = world.user("EU", "reviewer")
    eu_reviewer.email = "eu-reviewer@example.org"
    eu_reviewer.save()
    agree(world, "EU", negotiating)  # the US has not agreed: it has nothing going stale
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        chair_edit(secretariat, negotiating)
    told = Notification.objects.filter(kind=Notification.Kind.CONSENT)
    # Every member of the EU delegation, watching or not; nobody from the US.
    assert {n.recipient.username for n in told} == {
        "eu-lead",
        "eu-negotiator",
        "eu-reviewer",
        "eu-observer",
    }
    message = told.first().message
    assert "EU's agreement to Article" in message and "given on version 3, is stale" in message
    assert any(m.to == ["eu-reviewer@example.org"] and "Consent" in m.subject for m in mail.outbox)

    # A later edit tells nobody again: that consent was already stale.
    told_before = told.count()
    with django_capture_on_commit_callbacks(execute=True):
        chair_edit(secretariat, Provision.objects.get(pk=negotiating.pk), body="Other words.")
    assert Notification.objects.filter(kind=Notification.Kind.CONSENT).count() == told_before


def test_a_status_change_tells_nobody_of_stale_consent(world, negotiating):
    agree(world, "EU", negotiating)
    agree(world, "US", negotiating)
    provision_services.provision_set_status(
        actor=lead(world, "US"), provision=negotiating, status="agreed_ad_referendum"
    )
    assert not Notification.objects.filter(kind=Notification.Kind.CONSENT).exists()


def test_the_secretariat_records_consent_given_in_the_room_naming_the_meeting(
    world, negotiating, secretariat
):
    chair = actor_for(secretariat)
    with pytest.raises(ValidationError) as refused:
        position_record(
            actor=chair,
            provision=negotiating,
            party=world.eu,
            stance="agree",
            seen_version=3,
        )
    assert "meeting" in refused.value.message_dict
    assert not Position.objects.exists()

    position = position_record(
        actor=chair,
        provision=negotiating,
        party=world.eu,
        stance="agree",
        seen_version=3,
        meeting=ROOM,
    )
    assert (position.party, position.meeting, position.provision_version) == (world.eu, ROOM, 3)
    record = position.history.latest()
    assert record.history_change_reason == (
        f"EU agreed version 3 in the room: {ROOM} (recorded by the secretariat)"
    )
    assert record.history_user == secretariat
    # The party's own lead agreeing later replaces the in-room record.
    assert agree(world, "EU", negotiating).meeting == ""


def test_the_secretariat_records_no_other_stance(world, negotiating, secretariat):
    with pytest.raises(PermissionDenied, match="records no positions"):
        position_record(
            actor=actor_for(secretariat),
            provision=negotiating,
            party=world.eu,
            stance="support",
            meeting=ROOM,
        )


def test_a_lead_does_not_name_a_meeting(world, negotiating):
    with pytest.raises(ValidationError) as refused:
        position_record(
            actor=lead(world, "EU"),
            provision=negotiating,
            party=world.eu,
            stance="agree",
            seen_version=3,
            meeting=ROOM,
        )
    assert "meeting" in refused.value.message_dict


def test_observers_cannot_consent(world, api, negotiating, secretariat):
    # A party with observer standing: neither its lead nor the secretariat on its behalf.
    response = api(world.user("JP", "lead")).post(
        "/api/v1/positions/",
        {"provision": negotiating.pk, "party": "JP", "stance": "agree", "version": 3},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match="JP observes this agreement"):
        position_record(
            actor=actor_for(secretariat),
            provision=negotiating,
            party=world.jp,
            stance="agree",
            seen_version=3,
            meeting=ROOM,
        )
    # A delegate with the observer role.
    response = api(world.user("US", "observer")).post(
        "/api/v1/positions/",
        {"provision": negotiating.pk, "party": "US", "stance": "agree", "version": 3},
    )
    assert response.status_code == 403
    assert not Position.objects.exists()


def test_agreeing_through_the_api_with_if_match(world, api, negotiating):
    response = api(world.user("EU", "lead")).post(
        "/api/v1/positions/",
        {"provision": negotiating.pk, "party": "EU", "stance": "agree"},
        HTTP_IF_MATCH='"3"',
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["stance"], data["provision_version"], data["consent"]) == ("agree", 3, "current")
    assert "version" not in data


def test_the_secretariat_agrees_in_the_room_through_the_api(world, api, negotiating, secretariat):
    client = api(secretariat)
    url = "/api/v1/positions/"
    payload = {"provision": negotiating.pk, "party": "EU", "stance": "agree", "version": 3}
    missing = client.post(url, payload)
    assert missing.status_code == 400 and "meeting" in missing.json()
    response = client.post(url, {**payload, "meeting": ROOM})
    assert response.status_code == 201, response.content
    assert (response.json()["meeting"], response.json()["consent"]) == (ROOM, "current")
    assert client.post(url, {**payload, "stance": "oppose", "meeting": ROOM}).status_code == 403


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"stance": "agreeish", "version": 3}, 400, "stance"),
        ({"stance": "agree"}, 400, "version"),
        ({"stance": "agree", "version": 99}, 400, "version"),
        ({"stance": "agree", "version": 0}, 400, "version"),
        ({"stance": "agree", "version": "three"}, 400, "version"),
        ({"stance": "agree", "version": 3, "meeting": ROOM}, 400, "meeting"),
    ],
)
def test_bad_consent_input_is_a_clean_400(world, api, negotiating, payload, status, field):
    response = api(world.user("EU", "lead")).post(
        "/api/v1/positions/", {"provision": negotiating.pk, "party": "EU", **payload}
    )
    assert response.status_code == status
    assert field in response.json()
    assert not Position.objects.exists()


def test_agreeing_a_stale_version_is_409_with_what_changed(world, api, negotiating, secretariat):
    chair_edit(secretariat, negotiating)
    response = api(world.user("EU", "lead")).post(
        "/api/v1/positions/",
        {"provision": negotiating.pk, "party": "EU", "stance": "agree", "version": 3},
    )
    assert response.status_code == 409
    data = response.json()
    assert data["current_version"] == 4
    assert "changed in version 4, after the version 3 you agree to" in data["detail"]
    assert {"op": "insert", "text": "closely "} in data["diff"] or any(
        op["op"] != "equal" for op in data["diff"]
    )
    assert not Position.objects.exists()
    with pytest.raises(StaleConsent):
        agree(world, "EU", negotiating, version=3)
    # A version after the last text change is good, even if the status moved since.
    assert (
        agree(world, "EU", Provision.objects.get(pk=negotiating.pk), version=4).provision_version
        == 4
    )


def test_a_provision_with_brackets_cannot_be_agreed(world, api, make_provision):
    provision = make_provision("The Parties [US: shall][US: may] cooperate.")
    response = api(world.user("EU", "lead")).post(
        "/api/v1/positions/",
        {"provision": provision.pk, "party": "EU", "stance": "agree", "version": 1},
    )
    assert response.status_code == 400
    assert "cannot be agreed while it holds brackets" in response.json()["stance"][0]
    assert not Position.objects.exists()


def test_patching_a_stale_agree_needs_the_version_again(world, api, negotiating, secretariat):
    position = agree(world, "EU", negotiating)
    chair_edit(secretariat, negotiating)
    client = api(world.user("EU", "lead"))
    url = f"/api/v1/positions/{position.pk}/"
    # An agree names the version read: without it, refused.
    assert client.patch(url, {"note": "Fine"}).status_code == 400
    assert Position.objects.get(pk=position.pk).provision_version == 3
    # A note edited on the changed text keeps the consent where it was given: stale.
    noted = client.patch(url, {"note": "Fine", "version": 4})
    assert noted.status_code == 200
    assert (noted.json()["consent"], noted.json()["provision_version"]) == ("stale", 3)
    # Agreeing again, on the version read, gives the consent anew.
    again = client.patch(url, {"stance": "agree", "version": 4})
    assert (again.json()["consent"], again.json()["provision_version"]) == ("current", 4)


def test_positions_matrix_shows_stale_consents_and_who_has_agreed(
    world, api, negotiating, secretariat, client
):
    agree(world, "EU", negotiating)
    chair_edit(secretariat, negotiating)
    agree(world, "US", Provision.objects.get(pk=negotiating.pk))
    data = (
        api(world.user("US", "reviewer"))
        .get(f"/api/v1/agreements/{world.agreement.pk}/positions-matrix/")
        .json()
    )
    [row] = data["provisions"]
    assert row["text_version"] == 4
    assert row["consents"] == {"EU": "stale", "US": "current"}
    assert row["positions"]["EU"]["consent"] == "stale"
    assert row["positions"]["EU"]["provision_version"] == 3
    assert row["positions"]["US"]["consent"] == "current"
    assert row["positions"]["JP"] is None

    client.force_login(world.user("US", "reviewer"))
    dashboard = client.get(f"/agreements/{world.agreement.pk}/").content.decode()
    assert "Agreed version 3; changed since" in dashboard
    assert "Waiting for EU (stale)" in dashboard


def test_provision_page_shows_consents_and_offers_only_the_steps_one_may_take(
    world, client, negotiating, secretariat
):
    agree(world, "EU", negotiating)
    chair_edit(secretariat, negotiating)
    url = f"/provisions/{negotiating.pk}/"

    client.force_login(world.user("EU", "lead"))
    page = client.get(url).content.decode()
    assert "Consent to agree" in page
    assert "Agreed version 3; changed since" in page
    assert "Waiting for: EU (agreed an earlier text), US." in page
    # Neither agreeing (no consensus) nor withdrawing (the US's) is offered to the EU's lead.
    assert "Change status" not in page

    client.force_login(world.user("US", "lead"))
    page = client.get(url).content.decode()
    assert 'value="withdrawn"' in page and 'value="agreed"' not in page

    # The EU's lead agrees the current text from the page; then the US's.
    recorded = client.post(
        f"/provisions/{negotiating.pk}/position/", {"stance": "agree", "version": 4}, follow=True
    )
    assert "US position recorded: Agree (version 4)." in recorded.content.decode()
    client.force_login(world.user("EU", "lead"))
    stale = client.post(
        f"/provisions/{negotiating.pk}/position/", {"stance": "agree", "version": 3}, follow=True
    )
    assert "after the version 3 you agree to" in stale.content.decode()
    client.post(f"/provisions/{negotiating.pk}/position/", {"stance": "agree", "version": 4})
    page = client.get(url).content.decode()
    assert "Every participant agrees the current text." in page
    assert 'value="agreed"' in page and 'value="agreed_ad_referendum"' in page


def test_the_secretariat_records_in_room_consent_from_the_page(
    world, client, negotiating, secretariat
):
    url = f"/provisions/{negotiating.pk}/consent/"
    client.force_login(secretariat)
    page = client.get(f"/provisions/{negotiating.pk}/").content.decode()
    assert "Record a party’s agreement given in the room" in page
    unnamed = client.post(url, {"party": world.eu.pk, "version": 3}, follow=True)
    assert "name the meeting" in unnamed.content.decode()
    observer = client.post(url, {"party": world.jp.pk, "meeting": ROOM, "version": 3}, follow=True)
    assert "Choose a participating party" in observer.content.decode()
    done = client.post(url, {"party": world.eu.pk, "meeting": ROOM, "version": 3}, follow=True)
    assert f"Recorded: EU agreed version 3 ({ROOM})." in done.content.decode()
    assert Position.objects.get(party=world.eu).meeting == ROOM

    client.force_login(world.user("EU", "lead"))
    assert (
        client.post(url, {"party": world.eu.pk, "meeting": ROOM, "version": 3}).status_code == 403
    )


def test_reopening_keeps_consents_that_still_count(world, negotiating):
    agree(world, "US", negotiating)
    agree(world, "EU", negotiating)
    provision = provision_services.provision_set_status(
        actor=lead(world, "EU"), provision=negotiating, status="agreed"
    )
    provision = provision_services.provision_set_status(
        actor=lead(world, "EU"), provision=provision, status="under_negotiation"
    )
    assert all(c.counts for c in agree_consents(provision))
    assert (
        provision_services.provision_set_status(
            actor=lead(world, "US"), provision=provision, status="agreed"
        ).status
        == "agreed"
    )


def test_text_written_by_a_negotiation_step_makes_consents_stale_too(
    world, negotiating, secretariat
):
    """A proposal incorporated or a resolution adopted changes the text like an edit does."""
    agree(world, "EU", negotiating)
    provision = provision_services.provision_write_outcome(
        actor=actor_for(secretariat),
        provision=negotiating,
        expected_version=negotiating.version,
        body="The Parties shall cooperate on reference prices and stocks.",
        reason="Proposal #1 incorporated",
    )
    assert [(c.party.code, c.state) for c in agree_consents(provision)] == [
        ("EU", ConsentState.STALE),
        ("US", ConsentState.MISSING),
    ]
    told = Notification.objects.filter(kind=Notification.Kind.CONSENT)
    assert "eu-lead" in {n.recipient.username for n in told}
    assert not told.filter(recipient__membership__party=world.us).exists()


def test_editing_only_the_note_of_a_stale_agree_does_not_renew_it(world, secretariat):
    provision = provision_services.provision_create(
        actor=actor_for(world.user("US", "negotiator")),
        agreement=world.agreement,
        chapter=world.chapter,
        number="2.50",
        heading="Clean text",
        category="trade_measures",
        body="Each Party shall notify the Committee.",
    )
    eu_lead = actor_for(world.user("EU", "lead"))
    position_record(
        actor=eu_lead, provision=provision, party=world.eu, stance="agree", seen_version=1
    )
    changed = provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="Each Party shall promptly notify the Committee.",
    )
    position_record(
        actor=eu_lead,
        provision=changed,
        party=world.eu,
        stance="agree",
        note="Still fine by us",
        seen_version=changed.version,
    )

    states = {c.party.code: c.state for c in agree_consents(changed)}
    assert states["EU"] == ConsentState.STALE
