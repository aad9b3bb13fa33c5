"""Schemathesis over the whole OpenAPI schema, with a lead's and an observer's token, against the
app in-process.

Every generated request (valid and invalid) must get an answer that is not a server error, whose
status code the schema documents for that operation, and which matches its documented schema; no
US delegate ever sees the EU delegation's own text.

Two phases, run as two tests:
- coverage, with the lead's token: every boundary the schema defines for every input (each field
  missing, of each wrong type, one over its limit, the largest integers, ...), about 6,500 cases
  over the whole schema. An input is read by the same serializer, filter or parser whoever sends
  it, so these cases run once, as the lead (who may make most of the writes a delegation makes);
  what differs by role (what the services allow, what the selectors show) the fuzzing phase
  covers with each token. Each case is one request in-process (5-15 ms): the number of cases is
  the cost, and the coverage phase is most of it.
- fuzzing, with each token: FUZZ_EXAMPLES random requests per operation (default 8), valid and
  invalid; raise it for a deeper run (FUZZ_EXAMPLES=30).

The negotiation (parties, delegations, a provision with a position and comments) is made once per
test module, and each test runs in a savepoint of it, rolled back after.
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from negotiations.services import comment_create, position_record
from parties.access import actor_for
from provisions.services import provision_create
from tests.conftest import build_world
from tests.factories import make_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

_document = json.loads(
    OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
)
_app = get_wsgi_application()


def _schema(*, coverage: bool):
    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": coverage}}})
    schema = schemathesis.openapi.from_dict(_document, config=config)
    schema.app = _app
    return schema


lead_schema = _schema(coverage=True)
observer_schema = _schema(coverage=False)

fuzz_settings = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


@pytest.fixture(scope="module")
def negotiation(django_db_setup, django_db_blocker):
    """US delegates' tokens by role, over a negotiation with text, a position and comments to
    find: made once for the module, in a transaction rolled back after it. Each test runs in a
    savepoint of that transaction (pytest-django's `db`), so what one test writes, the next
    never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        secretariat = actor_for(get_user_model().objects.get(username="secretariat"))
        provision = provision_create(
            actor=secretariat,  # the parties' consolidated draft, with the EU's alternative in
            agreement=world.agreement,
            chapter=world.chapter,
            number="2.1",
            heading="Reference prices",
            category="trade_measures",
            body="1. The Parties [US: shall][EU: should] cooperate.",
            minerals=[world.mineral],
            proposed_by=world.us,
            tabled_from="The parties' consolidated draft",
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
        yield {role: make_token(world.user("US", role)) for role in ("lead", "observer")}
        transaction.set_rollback(True)


@pytest.fixture
def tokens(negotiation, db, settings):
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis's WSGI client sends
    # Keep the test's database connection across requests, as Django's own test client does:
    # the request signals would otherwise close it in the middle of the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield negotiation
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _check(case, token: str) -> None:
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
    assert b"EU internal" not in response.content  # no US delegate ever sees EU-only text


@lead_schema.parametrize()
@fuzz_settings
def test_lead(case, tokens):
    _check(case, tokens["lead"])


@observer_schema.parametrize()
@fuzz_settings
def test_observer(case, tokens):
    _check(case, tokens["observer"])
