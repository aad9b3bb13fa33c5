"""Schemathesis over the whole OpenAPI schema, as a signed-in negotiator, against the app in-process.

Every generated request (valid and invalid) must get an answer that is not a server error, and
every documented answer must match its schema. The budget per operation is small in the normal
suite (FUZZ_EXAMPLES, default 8) and can be raised for a deeper run.
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from negotiations.services import comment_create, position_record
from parties.access import actor_for
from tests.factories import make_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

_document = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
schema = schemathesis.openapi.from_dict(_document)
schema.app = get_wsgi_application()


@pytest.fixture
def in_test_transaction():
    """Keep the test's database connection across requests, as Django's own test client does:
    the request signals would otherwise close it in the middle of the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, make_provision, settings, in_test_transaction):
    """A negotiator's token, over a negotiation with text, a position and comments to find."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client sends

    provision = make_provision(
        "1. The Parties [US: shall][EU: should] cooperate.", minerals=[world.mineral]
    )
    position_record(
        actor=actor_for(world.user("US", "lead")),
        provision=provision,
        party=world.us,
        stance="support",
        internal_note="US internal",
    )
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body="EU internal",
        visibility="delegation",
    )
    return make_token(world.user("US", "negotiator"))


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
def test_api_never_fails_and_matches_its_schema(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    assert b"EU internal" not in response.content  # the US negotiator never sees EU-only text
