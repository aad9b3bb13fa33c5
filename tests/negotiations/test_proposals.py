"""Textual proposals: drafted by a delegation, tabled to all, incorporated by the secretariat as
the proposing party's alternatives, accepted by consensus, rejected or withdrawn.

The services first (the rules and the done criterion), then the API end to end with every step
by every role, bad input, and the pages.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from negotiations import services
from negotiations.models import Notification, Proposal, Resolution
from parties.access import actor_for
from provisions import services as provision_services
from provisions.models import Provision, Status

US_TABLED = (
    "1. Each Party shall maintain a reference price [US: of 80 percent] for lithium.\n\n"
    "2. The Parties shall review the price."
)
WITH_EU = (
    "1. Each Party shall maintain a reference price [US: of 80 percent][EU: of 60 percent] "
    "for lithium.\n\n2. The Parties shall review the price [EU: every year]."
)
EU_GROUPS = ("[EU: of 60 percent]", "[EU: every year]")
# The US proposes: "establish" for "maintain", 70 for the EU's 60, cobalt too, and no annual review.
US_PROPOSAL = (
    "1. Each Party shall establish a reference price [US: of 80 percent][EU: of 70 percent] "
    "for lithium and cobalt.\n\n2. The Parties shall review the price."
)
INCORPORATED = (
    "1. Each Party shall [maintain][US: establish] a reference price [US: of 80 percent]"
    "[EU: of 60 percent][US: of 70 percent] for lithium [US: and cobalt].\n\n"
    "2. The Parties shall review the price [EU: every year][US: (delete)]."
)


def user(name: str):
    return get_user_model().objects.get(username=name)


def actor(name: str):
    return actor_for(user(name))


@pytest.fixture
def article(world, make_provision):
    """Article 2.1 as the US tabled it, with the EU's language added by the EU: version 2,
    tabled (its common text no longer the US's to change)."""
    provision = make_provision(US_TABLED, number="2.1")
    provision = provision_services.provision_update(
        actor=actor("eu-negotiator"), provision=provision, expected_version=1, body=WITH_EU
    )
    provision = provision_services.provision_set_status(
        actor=actor("secretariat"), provision=provision, status=Status.TABLED, reason="Tabled"
    )
    assert provision.version == 3 and provision.body == WITH_EU
    return provision


def draft(provision, by="us-negotiator", body=US_PROPOSAL, **fields):
    return services.proposal_create(
        actor=actor(by),
        provision=provision,
        base_version=provision.version,
        body=body,
        note=fields.pop("note", "Cobalt belongs in the price floor."),
        **fields,
    )


def tabled(provision, **kwargs):
    return services.proposal_table(
        actor=actor("us-negotiator"), proposal=draft(provision, **kwargs)
    )


def notified(message_part: str) -> set[str]:
    return set(
        Notification.objects.filter(
            kind=Notification.Kind.PROPOSAL, message__contains=message_part
        ).values_list("recipient__username", flat=True)
    )


# --- The done criterion -------------------------------------------------------------------------


def test_us_proposal_tabled_and_incorporated_shows_us_alternatives_next_to_what_it_replaces(
    world, article, api, django_capture_on_commit_callbacks
):
    us, staff = api(user("us-negotiator")), api(user("secretariat"))
    created = us.post(
        "/api/v1/proposals/",
        {
            "provision": article.pk,
            "base_version": 3,
            "body": US_PROPOSAL,
            "note": "Cobalt belongs in the price floor.",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    number = created.data["id"]
    assert created.data["state"] == "draft"
    assert api(user("eu-negotiator")).get(f"/api/v1/proposals/{number}/").status_code == 404
    assert staff.get(f"/api/v1/proposals/{number}/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        assert us.post(f"/api/v1/proposals/{number}/table/").status_code == 200
    seen = api(user("eu-negotiator")).get(f"/api/v1/proposals/{number}/")
    assert seen.status_code == 200 and seen.data["state"] == "tabled"
    assert seen.data["base_is_stale"] is False
    assert {"op": "insert", "text": "and cobalt "} in seen.data["diff_base"] or any(
        op["op"] == "insert" and "cobalt" in op["text"] for op in seen.data["diff_base"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/v1/proposals/{number}/incorporate/", {"version": 3})
    assert response.status_code == 200, response.content
    assert response.data["state"] == "incorporated" and response.data["resulting_version"] == 4

    article.refresh_from_db()
    assert article.body == INCORPORATED
    for group in EU_GROUPS:
        assert group in article.body  # the EU's language, byte for byte
    latest = article.history.latest()
    assert latest.version == 4
    assert latest.history_change_reason == (
        f"Incorporated US proposal #{number}: Cobalt belongs in the price floor."
    )
    # The EU, whose language got US alternatives, is told, watching or not.
    assert {"eu-lead", "eu-negotiator", "eu-reviewer"} <= notified(
        f"incorporated US proposal #{number}"
    )


def test_incorporation_is_in_the_proposals_history_too(world, article):
    proposal = services.proposal_incorporate(actor=actor("secretariat"), proposal=tabled(article))
    reasons = list(
        proposal.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [
        "Drafted by US against version 3 of Article 2.1",
        "Tabled by US",
        "Incorporated by the secretariat into version 4 of Article 2.1",
    ]


# --- Visibility and notifications -------------------------------------------------------------


def test_a_draft_is_seen_by_its_delegation_only(world, article, api):
    proposal = draft(article)
    for name in ("us-negotiator", "us-lead", "us-reviewer"):
        assert api(user(name)).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200, name
    for name in ("us-observer", "eu-lead", "eu-negotiator", "jp-lead", "secretariat"):
        assert api(user(name)).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404, name
        listed = api(user(name)).get("/api/v1/proposals/").data["results"]
        assert proposal.pk not in [row["id"] for row in listed], name


def test_a_draft_withdrawn_before_tabling_stays_with_its_delegation(world, article, api):
    proposal = services.proposal_withdraw(actor=actor("us-lead"), proposal=draft(article))
    assert api(user("eu-lead")).get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
    assert (
        api(user("us-lead")).get(f"/api/v1/proposals/{proposal.pk}/").data["state"] == "withdrawn"
    )


def test_drafting_history_is_not_shown_outside_the_delegation(world, article, api):
    proposal = draft(article)
    services.proposal_update(actor=actor("us-lead"), proposal=proposal, note="Second thoughts")
    services.proposal_table(actor=actor("us-lead"), proposal=proposal)
    outside = api(user("eu-lead")).get(f"/api/v1/proposals/{proposal.pk}/").data["history"]
    inside = api(user("us-lead")).get(f"/api/v1/proposals/{proposal.pk}/").data["history"]
    assert [row["reason"] for row in outside] == ["Tabled by US"]
    assert len(inside) == 3


def test_tabling_tells_the_parties_whose_language_it_changes(
    world, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = draft(article)
    assert notified("proposal") == set()  # a draft is told to nobody
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_table(actor=actor("us-negotiator"), proposal=proposal)
    told = notified(f"US proposal #{proposal.pk} tabled")
    assert {"eu-lead", "eu-negotiator", "eu-reviewer"} <= told
    assert "us-negotiator" not in told  # never the one who did it
    assert not told & {"jp-lead", "jp-negotiator"}  # an observer's language is not concerned


def test_a_proposal_touching_only_the_own_groups_concerns_no_other_party(
    world, article, django_capture_on_commit_callbacks
):
    own_only = WITH_EU.replace("[US: of 80 percent]", "[US: of 85 percent]")
    with django_capture_on_commit_callbacks(execute=True):
        proposal = tabled(article, body=own_only)
    assert notified(f"#{proposal.pk} tabled") == set()


# --- The steps, as services ---------------------------------------------------------------------


def test_a_stale_base_is_incorporated_where_it_applies_and_says_what_it_skipped(world, article):
    proposal = tabled(article)
    changed = WITH_EU.replace("every year", "every two years")
    provision_services.provision_update(
        actor=actor("eu-negotiator"), provision=article, expected_version=3, body=changed
    )
    proposal = services.proposal_incorporate(actor=actor("secretariat"), proposal=proposal)
    article.refresh_from_db()
    assert article.body == INCORPORATED.replace(
        "[EU: every year][US: (delete)]", "[EU: every two years]"
    )
    reason = article.history.latest().history_change_reason
    assert reason.startswith(f"Incorporated US proposal #{proposal.pk}")
    assert "1 of 4 changes no longer applied" in reason
    assert proposal.history.latest().history_change_reason.endswith("; 1 change(s) skipped")


def test_nothing_that_applies_is_a_conflict_and_nothing_is_written(world, make_provision):
    provision = make_provision("1. The Parties shall cooperate.", number="2.2")
    proposal = services.proposal_table(
        actor=actor("us-negotiator"),
        proposal=draft(provision, body="1. The Parties shall closely cooperate."),
    )
    provision_services.provision_update(
        actor=actor("us-negotiator"),
        provision=provision,
        expected_version=1,
        body="1. The Parties shall [US: actively] cooperate.",
    )
    with pytest.raises(services.ProposalConflict) as conflict:
        services.proposal_incorporate(actor=actor("secretariat"), proposal=proposal)
    assert "Nothing of US proposal" in str(conflict.value)
    assert [hunk.new for hunk in conflict.value.skipped] == ["closely "]
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.TABLED
    assert Provision.objects.get(pk=provision.pk).version == 2


def test_a_new_provision_proposal_becomes_the_provision_proposed_by_the_party(world):
    proposal = services.proposal_create(
        actor=actor("eu-lead"),
        agreement=world.agreement,
        chapter=world.chapter,
        number="2.9",
        heading="Recycling targets",
        category="standards",
        body="1. Each Party shall recycle [EU: at least half of] its battery scrap.",
        note="A new article on recycling.",
    )
    services.proposal_table(actor=actor("eu-lead"), proposal=proposal)
    proposal = services.proposal_incorporate(actor=actor("secretariat"), proposal=proposal)
    provision = Provision.objects.get(agreement=world.agreement, number="2.9")
    assert provision.proposed_by == world.eu and provision.heading == "Recycling targets"
    assert provision.body == "1. Each Party shall recycle [EU: at least half of] its battery scrap."
    assert f"EU proposal #{proposal.pk}" in provision.history.latest().history_change_reason
    assert (proposal.provision, proposal.base_version, proposal.resulting_version) == (
        provision,
        0,
        1,
    )


def test_a_new_provision_proposal_names_no_other_party(world):
    with pytest.raises(provision_services.NegotiationRuleViolation):
        services.proposal_create(
            actor=actor("us-negotiator"),
            agreement=world.agreement,
            chapter=world.chapter,
            number="2.9",
            heading="Recycling",
            category="standards",
            body="Each Party shall recycle [EU: all] scrap.",
        )


def test_acceptance_goes_through_a_resolution_every_participant_consents_to(world, article):
    proposal = tabled(article)
    resolution = services.proposal_accept(actor=actor("us-lead"), proposal=proposal)
    assert resolution.proposal == proposal and resolution.body == US_PROPOSAL
    assert sorted(resolution.concerned.values_list("code", flat=True)) == ["EU", "US"]
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.TABLED  # until the parties consent
    for name in ("us-lead", "eu-lead"):
        services.resolution_consent(
            actor=actor(name), resolution=resolution, expected_version=article.version
        )
    proposal.refresh_from_db()
    article.refresh_from_db()
    assert proposal.state == Proposal.State.ACCEPTED
    assert article.body == US_PROPOSAL and proposal.resulting_version == article.version


def test_a_proposal_before_the_parties_cannot_be_withdrawn_or_rejected_meanwhile(world, article):
    proposal = tabled(article)
    services.proposal_accept(actor=actor("secretariat"), proposal=proposal)
    with pytest.raises(services.ProposalConflict, match="before the parties"):
        services.proposal_withdraw(actor=actor("us-lead"), proposal=proposal)
    with pytest.raises(services.ProposalConflict, match="before the parties"):
        services.proposal_reject(actor=actor("secretariat"), proposal=proposal, reason="No")


def test_accepting_needs_the_text_the_proposal_was_written_on(world, article):
    proposal = tabled(article)
    provision_services.provision_update(
        actor=actor("eu-negotiator"),
        provision=article,
        expected_version=3,
        body=WITH_EU.replace("every year", "yearly"),
    )
    with pytest.raises(services.ResolutionConflict, match="Incorporate it"):
        services.proposal_accept(actor=actor("us-lead"), proposal=proposal)


def test_rejecting_needs_a_reason_and_tells_the_proposing_party(
    world, article, django_capture_on_commit_callbacks
):
    proposal = tabled(article)
    with pytest.raises(services.ValidationError):
        services.proposal_reject(actor=actor("secretariat"), proposal=proposal, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_reject(
            actor=actor("secretariat"), proposal=proposal, reason="No consensus in the room"
        )
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REJECTED
    assert proposal.history.latest().history_change_reason == (
        "Rejected by the secretariat: No consensus in the room"
    )
    assert {"us-lead", "us-negotiator"} <= notified("was rejected: No consensus in the room")


# --- Every step by every role, through the API --------------------------------------------------

ROLES = [
    "us-observer",
    "us-reviewer",
    "us-negotiator",
    "us-lead",
    "eu-negotiator",
    "eu-lead",
    "jp-lead",
    "secretariat",
]
US_DELEGATES = {"us-negotiator", "us-lead"}
# Who may take each step on a US proposal; everyone else is refused (403), or, for another
# delegation's draft, not shown it at all (404).
ALLOWED = {
    "create": US_DELEGATES | {"eu-negotiator", "eu-lead"},
    "update": US_DELEGATES,
    "table": US_DELEGATES,
    "incorporate": {"secretariat"},
    "accept": US_DELEGATES | {"secretariat"},
    "reject": {"secretariat"},
    "withdraw": US_DELEGATES,
}
# The steps on a draft: those who do not see the US delegation's material are not shown it.
ON_DRAFT = {"update", "table"}
SEES_US_DRAFTS = US_DELEGATES | {"us-reviewer"}


def _request(client, step: str, article, proposal):
    if step == "create":
        return client.post(
            "/api/v1/proposals/",
            {"provision": article.pk, "base_version": 3, "body": US_PROPOSAL},
            format="json",
        )
    if step == "update":
        return client.patch(
            f"/api/v1/proposals/{proposal.pk}/", {"note": "Revised note"}, format="json"
        )
    payload = {"reject": {"reason": "No consensus"}, "accept": {"note": "Accept it"}}
    return client.post(
        f"/api/v1/proposals/{proposal.pk}/{step}/", payload.get(step, {}), format="json"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(ALLOWED))
def test_every_step_by_every_role(world, article, api, step, role):
    proposal = draft(article) if step in ON_DRAFT else tabled(article)
    response = _request(api(user(role)), step, article, proposal)
    if role in ALLOWED[step]:
        assert response.status_code in {200, 201}, (step, role, response.content)
    elif step in ON_DRAFT and role not in SEES_US_DRAFTS:
        assert response.status_code == 404, (step, role, response.status_code)
    else:
        assert response.status_code == 403, (step, role, response.status_code, response.content)
    if role not in ALLOWED[step] and step != "create":
        proposal.refresh_from_db()
        assert proposal.state == (Proposal.State.DRAFT if step in ON_DRAFT else "tabled")
        assert not Resolution.objects.exists()


def test_anonymous_users_are_refused(world, article, api):
    proposal = tabled(article)
    assert api().get("/api/v1/proposals/").status_code in {401, 403}
    assert api().post(f"/api/v1/proposals/{proposal.pk}/withdraw/").status_code in {401, 403}


# --- Bad input ------------------------------------------------------------------------------------


def test_a_missing_base_version_is_a_400_naming_it(world, article, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/",
        {"provision": article.pk, "base_version": 9, "body": US_PROPOSAL},
        format="json",
    )
    assert response.status_code == 400
    assert "no version 9" in response.data["base_version"][0]
    assert "versions 1 to 3" in response.data["base_version"][0]
    assert not Proposal.objects.exists()


def test_no_base_version_at_all_is_a_400(world, article, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/", {"provision": article.pk, "body": US_PROPOSAL}, format="json"
    )
    assert response.status_code == 400 and "base_version" in response.data


def test_an_unknown_provision_is_a_400(world, article, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/",
        {"provision": 99999, "base_version": 1, "body": US_PROPOSAL},
        format="json",
    )
    assert response.status_code == 400 and "provision" in response.data


def test_malformed_brackets_are_a_400_with_line_and_column(world, article, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/",
        {
            "provision": article.pk,
            "base_version": 3,
            "body": "1. Each Party [US: shall.\n\n[XX: y]",
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.data["bracket_errors"]
    assert (errors[0]["line"], errors[0]["column"]) == (1, 15)
    assert errors[0]["code"] == "unclosed-bracket"
    assert any(e["code"] == "unknown-party" and (e["line"], e["column"]) == (3, 2) for e in errors)
    assert not Proposal.objects.exists()


def test_a_proposal_that_changes_nothing_is_a_400(world, article, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/",
        {"provision": article.pk, "base_version": 3, "body": WITH_EU},
        format="json",
    )
    assert response.status_code == 400 and "changes nothing" in response.data["body"][0]


def test_a_new_provision_needs_its_particulars(world, api):
    response = api(user("us-negotiator")).post(
        "/api/v1/proposals/", {"agreement": world.agreement.pk, "body": "Text."}, format="json"
    )
    assert response.status_code == 400
    assert {"chapter", "number", "heading", "category"} <= set(response.data)


@pytest.mark.parametrize(
    ("state", "step", "who"),
    [
        ("tabled", "table", "us-negotiator"),
        ("tabled", "update", "us-negotiator"),
        ("incorporated", "incorporate", "secretariat"),
        ("incorporated", "withdraw", "us-negotiator"),
        ("withdrawn", "reject", "secretariat"),
        ("rejected", "accept", "us-lead"),
    ],
)
def test_a_step_in_the_wrong_state_is_a_409(world, article, api, state, step, who):
    proposal = tabled(article)
    if state == "incorporated":
        services.proposal_incorporate(actor=actor("secretariat"), proposal=proposal)
    elif state == "withdrawn":
        services.proposal_withdraw(actor=actor("us-lead"), proposal=proposal)
    elif state == "rejected":
        services.proposal_reject(actor=actor("secretariat"), proposal=proposal, reason="No")
    response = _request(api(user(who)), step, article, proposal)
    assert response.status_code == 409, response.content
    assert response.data["state"] == state
    assert f"is {state}" in response.data["detail"]


def test_incorporating_on_a_version_that_moved_on_is_a_409(world, article, api):
    proposal = tabled(article)
    response = api(user("secretariat")).post(
        f"/api/v1/proposals/{proposal.pk}/incorporate/", {"version": 2}, format="json"
    )
    assert response.status_code == 409 and response.data["current_version"] == 3
    proposal.refresh_from_db()
    assert proposal.state == "tabled"


def test_incorporating_nothing_that_applies_answers_409_with_what_was_skipped(
    world, make_provision, api
):
    provision = make_provision("1. The Parties shall cooperate.", number="2.2")
    proposal = services.proposal_table(
        actor=actor("us-negotiator"),
        proposal=draft(provision, body="1. The Parties shall closely cooperate."),
    )
    provision_services.provision_update(
        actor=actor("us-negotiator"),
        provision=provision,
        expected_version=1,
        body="1. The Parties shall [US: actively] cooperate.",
    )
    response = api(user("secretariat")).post(f"/api/v1/proposals/{proposal.pk}/incorporate/")
    assert response.status_code == 409
    assert response.data["skipped"][0]["new"] == "closely "
    assert "changed" in response.data["skipped"][0]["reason"]


def test_detail_shows_the_stale_base_and_what_would_apply(world, article, api):
    proposal = tabled(article)
    provision_services.provision_update(
        actor=actor("eu-negotiator"),
        provision=article,
        expected_version=3,
        body=WITH_EU.replace("every year", "yearly"),
    )
    data = api(user("secretariat")).get(f"/api/v1/proposals/{proposal.pk}/").data
    assert data["base_is_stale"] is True and data["current_version"] == 4
    assert len(data["incorporation"]["applies"]) == 3
    assert data["incorporation"]["skipped"][0]["old"] == " [EU: every year]"
    assert data["incorporation"]["concerned"] == ["EU"]
    assert any(op["op"] == "delete" and "yearly" in op["text"] for op in data["diff_current"])
    assert data["actions"] == ["incorporate", "reject"]


def test_list_filters(world, article, make_provision, api):
    first = tabled(article)
    other = make_provision("1. The Parties shall cooperate.", number="2.2")
    second = services.proposal_table(
        actor=actor("eu-lead"),
        proposal=draft(other, by="eu-lead", body="1. The Parties shall closely cooperate."),
    )
    client = api(user("us-lead"))

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/proposals/?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.data["results"])

    assert ids(f"agreement={world.agreement.pk}") == sorted([first.pk, second.pk])
    assert ids(f"provision={article.pk}") == [first.pk]
    assert ids("party=EU") == [second.pk]
    assert ids("state=tabled") == sorted([first.pk, second.pk])
    assert ids("state=draft") == []
    assert client.get("/api/v1/proposals/?state=nonsense").status_code == 400


def test_every_proposal_endpoint_documents_400_403_404_409(world, client):
    client.force_login(user("us-lead"))
    schema = client.get("/api/schema/?format=json").json()
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/proposals/")
        for method, operation in item.items()
        if method in {"get", "post", "patch"}
    ]
    assert len(operations) == 9
    for path, method, operation in operations:
        assert {"400", "403", "404", "409"} <= set(operation["responses"]), (path, method)


# --- Pages --------------------------------------------------------------------------------------


def page_client(name: str) -> Client:
    client = Client()
    client.force_login(user(name))
    return client


def test_propose_a_change_from_the_provision_page(
    world, article, django_capture_on_commit_callbacks
):
    client = page_client("us-negotiator")
    provision_page = client.get(reverse("provisions:provision-detail", args=[article.pk]))
    propose_url = reverse("negotiations:proposal-create", args=[article.pk])
    assert propose_url in provision_page.content.decode()

    form = client.get(propose_url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "[EU: of 60 percent]" in html  # the editor holds the current text
    assert 'name="base_version" value="3"' in html
    assert "<script" not in html.split("</head>")[1]  # no inline script

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            propose_url,
            {"body": US_PROPOSAL, "note": "Cobalt too.", "base_version": 3, "intent": "table"},
        )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("negotiations:proposal-detail", args=[proposal.pk])
    assert proposal.state == "tabled" and proposal.base_version == 3


def test_a_draft_saved_from_the_page_is_the_delegations_alone(world, article):
    client = page_client("us-lead")
    client.post(
        reverse("negotiations:proposal-create", args=[article.pk]),
        {"body": US_PROPOSAL, "note": "", "base_version": 3, "intent": "draft"},
    )
    proposal = Proposal.objects.get()
    assert proposal.state == "draft"
    detail = reverse("negotiations:proposal-detail", args=[proposal.pk])
    assert page_client("us-negotiator").get(detail).status_code == 200
    assert page_client("eu-lead").get(detail).status_code == 404
    assert page_client("secretariat").get(detail).status_code == 404
    listing = reverse("negotiations:proposal-list", args=[world.agreement.pk])
    assert f"#{proposal.pk}" not in page_client("eu-lead").get(listing).content.decode()
    assert f"#{proposal.pk}" in page_client("us-lead").get(listing).content.decode()


def test_the_propose_page_keeps_broken_text_and_names_line_and_column(world, article):
    response = page_client("us-negotiator").post(
        reverse("negotiations:proposal-create", args=[article.pk]),
        {"body": "1. Each Party [US: shall.", "base_version": 3, "intent": "draft"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 1, column 15" in html and "1. Each Party [US: shall." in html
    assert not Proposal.objects.exists()


def test_the_propose_page_is_for_a_partys_lead_and_negotiators(world, article):
    url = reverse("negotiations:proposal-create", args=[article.pk])
    for name in ("us-reviewer", "us-observer", "secretariat"):
        assert page_client(name).get(url).status_code == 403, name
    assert page_client("eu-negotiator").get(url).status_code == 200


def test_the_proposal_page_shows_both_diffs_the_stale_notice_and_the_chairs_buttons(world, article):
    proposal = tabled(article)
    provision_services.provision_update(
        actor=actor("eu-negotiator"),
        provision=article,
        expected_version=3,
        body=WITH_EU.replace("every year", "yearly"),
    )
    url = reverse("negotiations:proposal-detail", args=[proposal.pk])
    html = page_client("secretariat").get(url).content.decode()
    assert "The text has changed since this proposal was written" in html
    assert "Changes from version 3" in html and "Against the current text (version 4)" in html
    assert '<ins class="diff-ins">' in html and '<del class="diff-del">' in html
    assert reverse("negotiations:proposal-incorporate", args=[proposal.pk]) in html
    assert reverse("negotiations:proposal-reject", args=[proposal.pk]) in html
    assert reverse("negotiations:proposal-withdraw", args=[proposal.pk]) not in html
    delegation = page_client("us-negotiator").get(url).content.decode()
    assert reverse("negotiations:proposal-withdraw", args=[proposal.pk]) in delegation
    assert reverse("negotiations:proposal-accept", args=[proposal.pk]) not in delegation  # stale
    assert reverse("negotiations:proposal-incorporate", args=[proposal.pk]) not in delegation
    eu = page_client("eu-lead").get(url).content.decode()
    assert not re.search(r'action="/proposals/\d+/', eu)


def test_incorporating_from_the_page(world, article):
    proposal = tabled(article)
    response = page_client("secretariat").post(
        reverse("negotiations:proposal-incorporate", args=[proposal.pk]), {"version": 3}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == INCORPORATED


def test_page_steps_refuse_those_they_are_not_for(world, article):
    proposal = tabled(article)
    for step, name in [
        ("incorporate", "us-lead"),
        ("reject", "eu-lead"),
        ("withdraw", "eu-lead"),
        ("accept", "us-reviewer"),
        ("withdraw", "secretariat"),
    ]:
        response = page_client(name).post(
            reverse(f"negotiations:proposal-{step}", args=[proposal.pk]), {"reason": "x"}
        )
        assert response.status_code == 403, (step, name)
    proposal.refresh_from_db()
    assert proposal.state == "tabled"


def test_a_page_step_in_the_wrong_state_says_so(world, article):
    proposal = tabled(article)
    client = page_client("us-lead")
    response = client.post(reverse("negotiations:proposal-table", args=[proposal.pk]), follow=True)
    assert "is tabled: only a draft proposal can be tabled" in response.content.decode()


def test_the_provision_page_lists_its_proposals(world, article):
    proposal = tabled(article)
    html = page_client("eu-lead").get(reverse("provisions:provision-detail", args=[article.pk]))
    assert reverse("negotiations:proposal-detail", args=[proposal.pk]) in html.content.decode()


def test_the_agreement_navigation_links_the_proposals(world, article):
    html = page_client("eu-lead").get(
        reverse("provisions:provision-list", args=[world.agreement.pk])
    )
    assert reverse("negotiations:proposal-list", args=[world.agreement.pk]) in html.content.decode()
