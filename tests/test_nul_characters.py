"""A NUL character (U+0000) is refused wherever it arrives, once the input is decoded; the
characters `%00` (or a backslash followed by `u0000`) in a text are an ordinary text and stored."""

import json

import pytest

from negotiations.models import ActionItem

NUL_REFUSED = "The request contains a NUL character (U+0000), which no field accepts."


def _item(world, description: str) -> dict:
    return {
        "agreement": world.agreement.pk,
        "title": "Circulate a non-paper",
        "owner_party": "US",
        "description": description,
    }


def _refused(response) -> bool:
    return response.status_code == 400 and response.json() == {"detail": NUL_REFUSED}


@pytest.mark.parametrize(
    "text",
    ["100%00 of output", "a \\u0000 b", "%2500", "a\\\\u0000b"],
    ids=["percent-00", "backslash-u0000", "percent-2500", "double-backslash"],
)
def test_a_json_text_spelling_a_nul_is_stored_as_written(world, api, text):
    response = api(world.user("US", "lead")).post(
        "/api/v1/action-items/", _item(world, text), format="json"
    )
    assert response.status_code == 201, response.content
    assert ActionItem.objects.get(pk=response.json()["id"]).description == text


def test_a_json_body_escaping_a_real_nul_is_refused(world, api):
    client = api(world.user("US", "lead"))
    as_value = json.dumps(_item(world, "a\x00b"))
    assert "\\u0000" in as_value
    assert _refused(client.post("/api/v1/action-items/", as_value, content_type="application/json"))
    as_key = json.dumps({**_item(world, "fine"), "x\x00": 1})
    assert _refused(client.post("/api/v1/action-items/", as_key, content_type="application/json"))
    nested = json.dumps({**_item(world, "fine"), "extra": [{"deep": ["\x00"]}]})
    assert _refused(client.post("/api/v1/action-items/", nested, content_type="application/json"))
    assert not ActionItem.objects.exists()


def test_a_raw_nul_byte_in_json_is_a_parse_error(world, api):
    body = json.dumps(_item(world, "PLACEHOLDER")).replace("PLACEHOLDER", "a\x00b")
    response = api(world.user("US", "lead")).post(
        "/api/v1/action-items/", body.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    assert not ActionItem.objects.exists()


def test_a_form_field_is_read_after_percent_decoding(world, api):
    client = api(world.user("US", "lead"))
    form = "application/x-www-form-urlencoded"
    base = f"agreement={world.agreement.pk}&title=T&owner_party=US&description="
    assert _refused(client.post("/api/v1/action-items/", base + "a%00b", content_type=form))
    response = client.post("/api/v1/action-items/", base + "100%2500", content_type=form)
    assert response.status_code == 201, response.content
    assert ActionItem.objects.get().description == "100%00"


def test_a_multipart_field_is_read_as_sent(world, api):
    client = api(world.user("US", "lead"))
    assert _refused(client.post("/api/v1/action-items/", _item(world, "a\x00b")))
    response = client.post("/api/v1/action-items/", _item(world, "100%00"))
    assert response.status_code == 201, response.content
    assert ActionItem.objects.get().description == "100%00"


def test_the_query_string_is_read_after_percent_decoding(world, api):
    client = api(world.user("US", "lead"))
    assert _refused(client.get("/api/v1/provisions/?search=%00"))
    assert _refused(client.get("/api/v1/provisions/?sea%00rch=x"))
    assert _refused(client.get("/api/v1/provisions%00/"))
    assert client.get("/api/v1/provisions/?search=%2500").status_code == 200


def test_a_raw_nul_in_any_other_body_is_refused(world, api):
    response = api(world.user("US", "lead")).post(
        "/api/v1/action-items/", b"a\x00b", content_type="text/plain"
    )
    assert _refused(response)


def test_a_page_form_with_percent_00_is_saved(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("US", "reviewer"))
    url = f"/provisions/{provision.pk}/comments/"
    text = "Cut by 100%00? We read the table as 100%."
    response = client.post(url, {"body": text, "visibility": "shared"})
    assert response.status_code in (200, 302), response.content[:500]
    assert provision.comments.get().body == text
