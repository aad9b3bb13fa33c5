"""An assignee outside the owner party's delegation gets one answer, whether or not anyone has
that username: action-item errors do not tell which usernames exist."""

import pytest
from django.core.exceptions import ValidationError

from negotiations import services
from negotiations.models import ActionItem
from parties.access import actor_for

OUTSIDERS = ["eu-lead", "secretariat", "no-such-person"]


def _answer(response, username: str) -> tuple[int, dict]:
    """The answer with the name the caller sent taken out (the message repeats it)."""
    return response.status_code, {
        field: [message.replace(username, "NAME") for message in messages]
        for field, messages in response.json().items()
    }


def test_creating_with_an_outsider_answers_the_same_for_any_name(world, api):
    client = api(world.user("US", "lead"))
    answers = []
    for username in OUTSIDERS:
        response = client.post(
            "/api/v1/action-items/",
            {
                "agreement": world.agreement.pk,
                "title": "Consult capital",
                "owner_party": "US",
                "assignee": username,
            },
            format="json",
        )
        answers.append(_answer(response, username))
    assert answers[0] == (400, {"assignee": ["No member of US's delegation is called “NAME”."]})
    assert all(answer == answers[0] for answer in answers)
    assert not ActionItem.objects.exists()


def test_reassigning_to_an_outsider_answers_the_same_for_any_name(world, api):
    lead = actor_for(world.user("US", "lead"))
    item = services.action_item_create(
        actor=lead, agreement=world.agreement, title="Consult capital", owner_party=world.us
    )
    client = api(world.user("US", "lead"))
    answers = [
        _answer(
            client.patch(f"/api/v1/action-items/{item.pk}/", {"assignee": name}, format="json"),
            name,
        )
        for name in OUTSIDERS
    ]
    assert answers[0][0] == 400 and all(answer == answers[0] for answer in answers)
    item.refresh_from_db()
    assert item.assignee is None


def test_a_member_is_assigned(world, api):
    response = api(world.user("US", "lead")).post(
        "/api/v1/action-items/",
        {
            "agreement": world.agreement.pk,
            "title": "Consult capital",
            "owner_party": "US",
            "assignee": "us-negotiator",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert ActionItem.objects.get().assignee == world.user("US", "negotiator")


def test_the_service_refuses_an_outsider_in_the_same_words(world):
    with pytest.raises(ValidationError) as refused:
        services.action_item_create(
            actor=actor_for(world.user("US", "lead")),
            agreement=world.agreement,
            title="Consult capital",
            owner_party=world.us,
            assignee=world.user("EU", "lead"),
        )
    assert refused.value.message_dict == {
        "assignee": ["No member of US's delegation is called “eu-lead”."]
    }
