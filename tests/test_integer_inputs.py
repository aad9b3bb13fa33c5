"""Every whole number the API reads fits the column it is compared with or stored in: a number
beyond gets 400 naming where it was sent (404 for an id or version in a path), never a 500.

SQLite raises OverflowError for a number past 64 bits and PostgreSQL a DataError for one past a
column's range; Django's own lookups (`pk=`, `version=`) already match nothing for those, so what
is left to bound is every number read otherwise: a serializer's IntegerField (the bounded one of
config/serializers.py), a filter (ModelChoiceFilter, an object by id), a version in a header, a
query or a path (provisions.api.views.parse_version).
"""

import importlib

import pytest
from rest_framework import serializers

from config.serializers import ID_MAX, INTEGER_MAX
from tests.test_field_lengths import APPS, _defined_in, _request_components

BEYOND_BIGINT = 2**64
BEYOND_INTEGER = INTEGER_MAX + 1


def _integer_fields(serializer, owner: str):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer | serializers.ListField):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _integer_fields(field, type(field).__name__)
        elif isinstance(field, serializers.IntegerField):
            yield f"{owner}.{name}", field


def request_integer_fields():
    for app in APPS:
        module = importlib.import_module(f"{app}.api.serializers")
        for cls in _defined_in(module, serializers.BaseSerializer):
            if cls.__name__.removesuffix("Serializer") in _request_components():
                yield from _integer_fields(cls(), cls.__name__)


FIELDS = sorted(request_integer_fields(), key=lambda item: item[0])


@pytest.mark.parametrize("where,field", FIELDS, ids=[where for where, _ in FIELDS])
def test_every_integer_a_request_carries_is_bounded(where, field):
    assert field.min_value is not None and field.max_value is not None, (
        f"{where} takes a number of any size: use config.serializers.IntegerField"
    )
    assert field.max_value <= ID_MAX


def test_the_walk_finds_the_integers_it_is_meant_to():
    found = {where for where, _ in FIELDS}
    assert {
        "NotificationReadSerializer.ids",
        "ProvisionUpdateSerializer.version",
        "ProvisionRevertSerializer.to_version",
        "ResolutionAnswerRequestSerializer.version",
        "ChapterSerializer.number",
    } <= found


@pytest.fixture
def lead(world, api):
    return api(world.user("US", "lead"))


@pytest.fixture
def provision(make_provision, world):
    return make_provision("1. The Parties shall cooperate.", minerals=[world.mineral])


@pytest.mark.parametrize(
    "method,url,body,headers,status,named",
    [
        ("post", "/api/v1/notifications/read/", {"ids": [BEYOND_BIGINT]}, {}, 400, "ids"),
        ("get", "/api/v1/provisions/?mineral={huge}", None, {}, 400, "mineral"),
        ("get", "/api/v1/provisions/?agreement={huge}", None, {}, 400, "agreement"),
        ("get", "/api/v1/positions/?provision={huge}", None, {}, 400, "provision"),
        ("get", "/api/v1/provisions/?page={huge}", None, {}, 404, None),
        ("get", "/api/v1/provisions/{huge}/", None, {}, 404, None),
        ("get", "/api/v1/provisions/{id}/history/{beyond_integer}/", None, {}, 404, None),
        ("get", "/api/v1/provisions/{id}/history/99999999999/", None, {}, 404, None),
        ("get", "/api/v1/provisions/{id}/diff/?from={beyond_integer}", None, {}, 400, "from"),
        ("get", "/api/v1/provisions/{id}/diff/?to={digits}", None, {}, 400, "to"),
        (
            "patch",
            "/api/v1/provisions/{id}/",
            {"heading": "New"},
            {"HTTP_IF_MATCH": '"{digits}"'},
            400,
            "If-Match",
        ),
        ("patch", "/api/v1/provisions/{id}/", {"version": BEYOND_INTEGER}, {}, 400, "version"),
        # The largest version there can be is stale like any other: the next is counted from
        # the row, never as the caller's number + 1 (past the column on PostgreSQL).
        (
            "patch",
            "/api/v1/provisions/{id}/",
            {"heading": "New", "version": INTEGER_MAX},
            {},
            409,
            None,
        ),
        (
            "post",
            "/api/v1/provisions/{id}/revert/",
            {"to_version": 1, "version": INTEGER_MAX},
            {},
            409,
            None,
        ),
        (
            "post",
            "/api/v1/positions/",
            {"provision": "{id}", "stance": "agree", "version": BEYOND_BIGINT},
            {},
            400,
            "version",
        ),
        (
            "post",
            "/api/v1/positions/",
            {"provision": BEYOND_BIGINT, "stance": "support"},
            {},
            400,
            "provision",
        ),
    ],
)
def test_a_number_beyond_its_column_is_refused_not_a_server_error(
    lead, provision, method, url, body, headers, status, named
):
    values = {"huge": BEYOND_BIGINT, "beyond_integer": BEYOND_INTEGER, "digits": "9" * 5000}
    url = url.format(id=provision.pk, **values)
    headers = {key: value.format(**values) for key, value in headers.items()}
    if body is not None:
        body = {key: provision.pk if value == "{id}" else value for key, value in body.items()}
    response = getattr(lead, method)(url, body, format="json", **headers)
    assert response.status_code == status, response.content[:300]
    if named is not None:
        assert named in response.json()
