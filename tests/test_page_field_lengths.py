"""The pages hold the same text limits as the API: one character over a field's limit is refused
naming the field (nothing saved), the full length is stored. The original fault: a change reason
longer than its history column lost the edit behind a 500 page."""

from negotiations.models import NOTE_MAX_LENGTH, Position
from provisions.models import Provision

REASON_MAX = 500


def _messages(response) -> str:
    return response.content.decode()


def test_the_edit_page_refuses_too_long_a_reason_and_keeps_one_of_full_length(
    world, client, make_provision
):
    provision = make_provision()
    client.force_login(world.user("US", "negotiator"))
    url = f"/provisions/{provision.pk}/edit/"
    data = {"heading": "Reference prices", "body": "The Parties shall act.", "version": 1}
    refused = client.post(url, {**data, "reason": "r" * (REASON_MAX + 1)})
    assert refused.status_code == 400
    assert "at most 500 characters" in refused.content.decode()
    assert Provision.objects.get(pk=provision.pk).version == 1
    saved = client.post(url, {**data, "reason": "r" * REASON_MAX})
    assert saved.status_code == 302
    assert provision.history.latest().history_change_reason == "r" * REASON_MAX


def test_the_status_form_names_too_long_a_reason(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("US", "lead"))
    url = f"/provisions/{provision.pk}/status/"
    data = {"status": "tabled", "version": 1}
    refused = client.post(url, {**data, "reason": "r" * (REASON_MAX + 1)}, follow=True)
    assert "Reason: Ensure this value has at most 500 characters" in _messages(refused)
    assert Provision.objects.get(pk=provision.pk).status == "draft"
    client.post(url, {**data, "reason": "r" * REASON_MAX})
    assert provision.history.latest().history_change_reason == "r" * REASON_MAX


def test_the_position_form_names_too_long_a_note(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("US", "lead"))
    url = f"/provisions/{provision.pk}/position/"
    for field in ("note", "internal_note"):
        refused = client.post(
            url, {"stance": "reserve", field: "n" * (NOTE_MAX_LENGTH + 1)}, follow=True
        )
        assert f"Ensure this value has at most {NOTE_MAX_LENGTH:,}".replace(",", "") in (
            _messages(refused).replace(",", "")
        )
        assert not Position.objects.exists()
    client.post(url, {"stance": "reserve", "note": "n" * NOTE_MAX_LENGTH})
    assert Position.objects.get().note == "n" * NOTE_MAX_LENGTH
    missing = client.post(url, {"stance": ""}, follow=True)
    assert "Choose a stance." in _messages(missing)
