"""Every form and API field that takes text accepts no more than the column it is stored in holds.

The walk covers every serializer of `<app>/api/serializers.py` that the API reads a request with
(the OpenAPI schema's request bodies, nested ones included) and every form of `<app>/forms.py`
and `config/forms.py`. For each writable text field it finds the column: the model field of a
ModelSerializer or ModelForm, else the entry in `COLUMN_OF` below (a new plain field must be
entered there, or the test fails). A CharField column's `max_length`, or a TextField column's
`MaxLengthValidator`, bounds the field's `max_length`; text that is not stored in a column of
its own (a change reason, composed into the history's reason) still needs a `max_length`.

A static check; `test_field_limits_hold_on_the_database` then writes through the API.
"""

import importlib
import inspect
import json
from functools import cache

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework import serializers

APPS = ["parties", "agreement", "provisions", "negotiations"]

# Bodies in bracket notation: the text check (`provisions.selectors.text_check`) refuses one
# over PROVISION_BODY_MAX_CHARS with 400 naming `body`, before any other work.
TEXT_COLUMNS = {
    "provisions.Provision.body",
    "negotiations.Proposal.body",
    "negotiations.Resolution.body",
}
# Text the application writes itself, never taken from a request as it is.
NOT_INPUT_COLUMNS = {"agreement.ExportJob.error", "parties.AuditEntry.detail"}
# A change reason or a note on a step: part of the reason the history row records, a text column.
REASON = "history reason"
# Read, checked and answered, never stored as sent.
NOT_STORED = "not stored"

# Fields of plain serializers and forms: the column each one is stored in.
COLUMN_OF = {
    # API
    ("ProvisionSerializer", "reason"): REASON,
    ("ProvisionSerializer", "tabled_from"): REASON,
    ("ProvisionUpdateSerializer", "reason"): REASON,
    ("ProvisionUpdateSerializer", "tabled_from"): REASON,
    ("ProvisionStatusSerializer", "reason"): REASON,
    ("ProvisionRevertSerializer", "reason"): REASON,
    ("PositionSerializer", "reason"): REASON,
    ("PositionUpdateSerializer", "reason"): REASON,
    ("ResolutionCreateSerializer", "body"): "negotiations.Resolution.body",
    ("ResolutionCreateSerializer", "note"): "negotiations.Resolution.note",
    ("ResolutionAnswerRequestSerializer", "meeting"): "negotiations.Consent.meeting",
    ("ProposalCreateSerializer", "body"): "negotiations.Proposal.body",
    ("ProposalCreateSerializer", "note"): "negotiations.Proposal.note",
    ("ProposalCreateSerializer", "number"): "negotiations.Proposal.number",
    ("ProposalCreateSerializer", "heading"): "negotiations.Proposal.heading",
    ("ProposalCreateSerializer", "category"): "negotiations.Proposal.category",
    ("ProposalUpdateSerializer", "body"): "negotiations.Proposal.body",
    ("ProposalUpdateSerializer", "note"): "negotiations.Proposal.note",
    ("ProposalUpdateSerializer", "number"): "negotiations.Proposal.number",
    ("ProposalUpdateSerializer", "heading"): "negotiations.Proposal.heading",
    ("ProposalUpdateSerializer", "category"): "negotiations.Proposal.category",
    ("ProposalAcceptSerializer", "note"): "negotiations.Resolution.note",
    ("ProposalRejectSerializer", "reason"): REASON,
    ("ProposalWithdrawSerializer", "reason"): REASON,
    # Pages
    ("ProvisionEditForm", "heading"): "provisions.Provision.heading",
    ("ProvisionEditForm", "body"): "provisions.Provision.body",
    ("ProvisionEditForm", "reason"): REASON,
    ("ProvisionEditForm", "yours"): "provisions.Provision.body",
    ("ProvisionEditForm", "alternatives"): NOT_STORED,
    ("StatusForm", "reason"): REASON,
    ("CommentForm", "body"): "negotiations.Comment.body",
    ("PositionForm", "note"): "negotiations.Position.note",
    ("PositionForm", "internal_note"): "negotiations.Position.internal_note",
    ("InRoomConsentForm", "meeting"): "negotiations.Position.meeting",
    ("ResolutionProposeForm", "body"): "negotiations.Resolution.body",
    ("ResolutionProposeForm", "note"): "negotiations.Resolution.note",
    ("ResolutionAnswerForm", "meeting"): "negotiations.Consent.meeting",
    ("ProposalForm", "body"): "negotiations.Proposal.body",
    ("ProposalForm", "note"): "negotiations.Proposal.note",
    ("ProposalStepForm", "reason"): REASON,
    ("ProposalStepForm", "note"): "negotiations.Resolution.note",
    ("ApiTokenForm", "name"): "parties.ApiToken.name",
}


def column(label: str) -> models.Field:
    app_label, model, name = label.split(".")
    return apps.get_model(app_label, model)._meta.get_field(name)


def column_limit(field: models.Field) -> int | None:
    """The most characters the column holds: its max_length for a CharField, its
    MaxLengthValidator (or the text check's limit) for a TextField; None for no limit."""
    label = f"{field.model._meta.label}.{field.name}"
    if label in TEXT_COLUMNS:
        return settings.PROVISION_BODY_MAX_CHARS
    if isinstance(field, models.CharField):
        return field.max_length
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    return min(limits) if limits else None


def _defined_in(module, base):
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, base) and cls.__module__ == module.__name__
    ]


@cache
def _request_components() -> frozenset[str]:
    """Names of the serializers the API reads requests with, nested ones included."""
    document = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    components = document["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"].rsplit("/", 1)[-1]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    pending = [
        ref
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for ref in refs(operation.get("requestBody", {}))
    ]
    seen = set()
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(refs(components.get(name, {})))
    return frozenset(name.removeprefix("Patched").removesuffix("Request") for name in seen)


def _text_fields_of_serializer(serializer, owner: str):
    """(owner, name, field, model) for each writable text field, nested serializers included."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from _text_fields_of_serializer(field, type(field).__name__)
        elif isinstance(field, serializers.CharField) and not isinstance(
            field, serializers.ChoiceField
        ):
            yield owner, name, field, model


def serializer_text_fields():
    for app in APPS:
        module = importlib.import_module(f"{app}.api.serializers")
        for cls in _defined_in(module, serializers.BaseSerializer):
            if cls.__name__.removesuffix("Serializer") not in _request_components():
                continue
            yield from _text_fields_of_serializer(cls(), cls.__name__)


def form_text_fields():
    modules = ["config.forms"]
    for app in APPS:
        try:
            modules.append(importlib.import_module(f"{app}.forms").__name__)
        except ModuleNotFoundError:
            continue
    for name in modules:
        module = importlib.import_module(name)
        for cls in _defined_in(module, forms.BaseForm):
            model = getattr(getattr(cls, "_meta", None), "model", None)
            for field_name, field in cls.base_fields.items():
                if isinstance(field, forms.CharField) and not field.disabled:
                    yield cls.__name__, field_name, field, model


def _column_for(owner: str, name: str, field, model):
    """The column label a field is stored in, REASON, NOT_STORED, or None when unknown."""
    source = getattr(field, "source", None) or name
    if (owner, name) in COLUMN_OF:
        return COLUMN_OF[(owner, name)]
    if model is not None:
        try:
            model_field = model._meta.get_field(source)
        except FieldDoesNotExist:  # not a model field: COLUMN_OF must say
            return None
        return f"{model._meta.label}.{model_field.name}"
    return None


def all_text_fields():
    for owner, name, field, model in [*serializer_text_fields(), *form_text_fields()]:
        yield owner, name, field, _column_for(owner, name, field, model)


FIELDS = sorted(
    ((owner, name, field, where) for owner, name, field, where in all_text_fields()),
    key=lambda item: (item[0], item[1]),
)


@pytest.mark.parametrize(
    "owner,name,field,where", FIELDS, ids=[f"{owner}.{name}" for owner, name, _, _ in FIELDS]
)
def test_a_text_field_accepts_no_more_than_its_column_holds(owner, name, field, where):
    assert where is not None, (
        f"{owner}.{name}: which column stores it? Add it to COLUMN_OF (or use a model field)."
    )
    if where in TEXT_COLUMNS and field.max_length is None:
        return  # the text check refuses a longer one, naming the field
    assert field.max_length is not None, f"{owner}.{name} takes text of any length"
    if where in (REASON, NOT_STORED):
        return
    model_field = column(where)
    assert where not in NOT_INPUT_COLUMNS, f"{owner}.{name} writes {where}, kept for the app"
    limit = column_limit(model_field)
    assert limit is not None, f"{where} holds text of any length: give it a MaxLengthValidator"
    assert field.max_length <= limit, (
        f"{owner}.{name} accepts {field.max_length} characters; {where} holds {limit}"
    )


def test_every_text_column_has_a_limit():
    """Every CharField has one by nature; every TextField gets a MaxLengthValidator (or is
    a bracket-notation body under the text check, or text the application writes itself)."""
    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in APPS and not model._meta.label.split(".")[1].startswith("Hist")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and f"{model._meta.label}.{field.name}" not in NOT_INPUT_COLUMNS
        and column_limit(field) is None
    ]
    assert unlimited == []


def test_the_walk_finds_the_fields_it_is_meant_to():
    found = {(owner, name) for owner, name, _, _ in FIELDS}
    assert {
        ("ProvisionSerializer", "heading"),
        ("ProvisionUpdateSerializer", "reason"),
        ("PositionUpdateSerializer", "internal_note"),
        ("ActionItemSerializer", "description"),
        ("ProposalCreateSerializer", "note"),
        ("ProvisionEditForm", "reason"),
        ("CommentForm", "body"),
        ("CommentSerializer", "body"),
    } <= found


# --- The same limits, written through the API ----------------------------------------------------
#
# For each API text field: one character over its max_length is refused with 400 naming the
# field, and exactly max_length characters are stored (on PostgreSQL in `make test`'s database
# run). A writer takes the text and answers the response and a function reading back what was
# stored. Some fields take only particular values at full length (a choice, a party code that is
# a pattern, a colour): their `max_length` is still enforced, by the pattern too.


class Writes:
    """The API calls of the write test, over the `world` negotiation."""

    def __init__(self, world, make_provision, api):
        self.world, self.make_provision, self.api = world, make_provision, api

    def client(self, username):
        from django.contrib.auth import get_user_model

        return self.api(get_user_model().objects.get(username=username))

    def post(self, username, url, data, **headers):
        return self.client(username).post(url, data, format="json", **headers)

    def patch(self, username, url, data, **headers):
        return self.client(username).patch(url, data, format="json", **headers)


def _stored(model_label, pk, name):
    return lambda: apps.get_model(model_label).objects.values_list(name, flat=True).get(pk=pk)


def _created(model_label, response, name):
    pk = response.json().get("id") if response.status_code == 201 else None
    return _stored(model_label, pk, name)


def _latest_reason(model_label):
    def read():
        model = apps.get_model(model_label)
        return model.history.order_by("-history_id").values_list(
            "history_change_reason", flat=True
        )[0]

    return read


def _agreement(w, name, text):
    data = {"title": "A second agreement", "short_title": "", "description": "", name: text}
    response = w.post("secretariat", "/api/v1/agreements/", data)
    return response, _created("agreement.Agreement", response, name)


def _chapter(w, name, text):
    data = {"agreement": w.world.agreement.pk, "number": 9, "title": text}
    response = w.post("secretariat", "/api/v1/chapters/", data)
    return response, _created("agreement.Chapter", response, name)


def _chapter_update(w, name, text):
    url = f"/api/v1/chapters/{w.world.chapter.pk}/"
    return w.patch("secretariat", url, {name: text}), _stored(
        "agreement.Chapter", w.world.chapter.pk, name
    )


def _mineral(w, name, text):
    data = {"agreement": w.world.agreement.pk, "name": text, "hs_codes": []}
    response = w.post("secretariat", "/api/v1/minerals/", data)
    return response, _created("agreement.Mineral", response, name)


def _mineral_update(w, name, text):
    url = f"/api/v1/minerals/{w.world.mineral.pk}/"
    return w.patch("secretariat", url, {name: text}), _stored(
        "agreement.Mineral", w.world.mineral.pk, name
    )


def _party(w, name, text):
    data = {"code": "KR", "name": "Korea", "lead_agency": "MOTIE", "colour": "#123456", name: text}
    response = w.post("secretariat", "/api/v1/parties/", data)
    return response, _created("parties.Party", response, name)


def _party_update(w, name, text):
    url = f"/api/v1/parties/{w.world.jp.pk}/"
    return w.patch("secretariat", url, {name: text}), _stored("parties.Party", w.world.jp.pk, name)


def _round(w, name, text):
    data = {
        "agreement": w.world.agreement.pk,
        "number": apps.get_model("negotiations.Round").objects.count() + 1,
        "venue": text,
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-05",
    }
    response = w.post("us-lead", "/api/v1/rounds/", data)
    return response, _created("negotiations.Round", response, name)


def _round_update(w, name, text):
    response, _ = _round(w, name, "Geneva")
    url = f"/api/v1/rounds/{response.json()['id']}/"
    return w.patch("us-lead", url, {name: text}), _stored(
        "negotiations.Round", response.json()["id"], name
    )


def _action_item(w, name, text):
    data = {"agreement": w.world.agreement.pk, "title": "Consult", "owner_party": "US", name: text}
    response = w.post("us-lead", "/api/v1/action-items/", data)
    return response, _created("negotiations.ActionItem", response, name)


def _action_item_update(w, name, text):
    created, _ = _action_item(w, "description", "")
    pk = created.json()["id"]
    return w.patch("us-lead", f"/api/v1/action-items/{pk}/", {name: text}), _stored(
        "negotiations.ActionItem", pk, name
    )


def _position(w, name, text):
    provision = w.make_provision()
    if name == "meeting":  # the secretariat records an agreement given in the room
        data = {"provision": provision.pk, "party": "US", "stance": "agree", "version": 1}
        response = w.post("secretariat", "/api/v1/positions/", {**data, name: text})
    else:
        data = {"provision": provision.pk, "party": "US", "stance": "reserve", name: text}
        response = w.post("us-lead", "/api/v1/positions/", data)
    if name == "reason":
        return response, _latest_reason("negotiations.Position")
    return response, _created("negotiations.Position", response, name)


def _position_update(w, name, text):
    created, _ = _position(w, "note", "")
    pk = created.json()["id"]
    response = w.patch("us-lead", f"/api/v1/positions/{pk}/", {name: text})
    if name == "meeting":
        return response, None  # only the secretariat names a meeting, on an `agree` it records
    if name == "reason":
        return response, _latest_reason("negotiations.Position")
    return response, _stored("negotiations.Position", pk, name)


def _provision(w, name, text):
    data = {
        "agreement": w.world.agreement.pk,
        "chapter": w.world.chapter.pk,
        "number": "7.1",
        "heading": "Stockpiles",
        "category": "stockpiling",
        "body": "The Parties shall cooperate.",
        name: text,
    }
    username = "us-negotiator"
    if name == "tabled_from":
        username, data["proposed_by"] = "secretariat", "US"
    response = w.post(username, "/api/v1/provisions/", data)
    if name in ("reason", "tabled_from"):
        return response, _latest_reason("provisions.Provision")
    return response, _created("provisions.Provision", response, name)


def _provision_update(w, name, text):
    provision = w.make_provision()
    response = w.patch(
        "us-negotiator", f"/api/v1/provisions/{provision.pk}/", {name: text}, HTTP_IF_MATCH='"1"'
    )
    if name == "tabled_from":
        return response, None  # only a new provision is tabled from a text
    if name == "reason":
        return response, _latest_reason("provisions.Provision")
    return response, _stored("provisions.Provision", provision.pk, name)


def _provision_status(w, name, text):
    provision = w.make_provision()
    data = {"status": "tabled", "version": 1, name: text}
    response = w.post("us-lead", f"/api/v1/provisions/{provision.pk}/status/", data)
    return response, _latest_reason("provisions.Provision")


def _provision_revert(w, name, text):
    provision = w.make_provision()
    w.patch(
        "us-negotiator",
        f"/api/v1/provisions/{provision.pk}/",
        {"heading": "Changed"},
        HTTP_IF_MATCH='"1"',
    )
    data = {"to_version": 1, "version": 2, name: text}
    response = w.post("us-negotiator", f"/api/v1/provisions/{provision.pk}/revert/", data)
    return response, _latest_reason("provisions.Provision")


def _new_provision_proposal(w, **fields):
    data = {
        "agreement": w.world.agreement.pk,
        "chapter": w.world.chapter.pk,
        "number": "8.1",
        "heading": "Recycling",
        "category": "standards",
        "body": "The Parties shall recycle.",
        **fields,
    }
    return w.post("us-negotiator", "/api/v1/proposals/", data)


def _proposal(w, name, text):
    response = _new_provision_proposal(w, **{name: text})
    return response, (
        None if name == "category" else _created("negotiations.Proposal", response, name)
    )


def _proposal_update(w, name, text):
    pk = _new_provision_proposal(w).json()["id"]
    response = w.patch("us-negotiator", f"/api/v1/proposals/{pk}/", {name: text})
    return response, (None if name == "category" else _stored("negotiations.Proposal", pk, name))


def _tabled_proposal(w):
    provision = w.make_provision("The Parties shall cooperate.")
    data = {"provision": provision.pk, "base_version": 1, "body": "The Parties shall act."}
    pk = w.post("us-negotiator", "/api/v1/proposals/", data).json()["id"]
    assert w.post("us-negotiator", f"/api/v1/proposals/{pk}/table/", {}).status_code == 200
    return pk


def _proposal_accept(w, name, text):
    pk = _tabled_proposal(w)
    response = w.post("us-lead", f"/api/v1/proposals/{pk}/accept/", {name: text})
    return response, lambda: apps.get_model("negotiations.Resolution").objects.get().note


def _proposal_step(step, username):
    def write(w, name, text):
        pk = _tabled_proposal(w)
        response = w.post(username, f"/api/v1/proposals/{pk}/{step}/", {name: text})
        return response, _latest_reason("negotiations.Proposal")

    return write


def _resolution(w, name, text):
    provision = w.make_provision("The Parties [US: shall] cooperate.")
    data = {"provision": provision.pk, "version": 1, "body": "The Parties shall cooperate."}
    response = w.post("us-negotiator", "/api/v1/resolutions/", {**data, name: text})
    if name == "body":
        # The provision's text less its brackets: never as long as the longest text allowed.
        return response, None
    return response, _created("negotiations.Resolution", response, name)


def _resolution_answer(w, name, text):
    created, _ = _resolution(w, "note", "")
    pk = created.json()["id"]
    data = {"party": "US", "version": 1, "meeting": text}
    response = w.post("secretariat", f"/api/v1/resolutions/{pk}/consent/", data)
    return response, lambda: apps.get_model("negotiations.Consent").objects.get().meeting


def _comment(w, name, text):
    data = {"provision": w.make_provision().pk, "body": text, "visibility": "shared"}
    response = w.post("us-reviewer", "/api/v1/comments/", data)
    return response, _created("negotiations.Comment", response, name)


def _comment_update(w, name, text):
    created, _ = _comment(w, "body", "First words")
    pk = created.json()["id"]
    response = w.patch("us-reviewer", f"/api/v1/comments/{pk}/", {name: text})
    return response, _stored("negotiations.Comment", pk, name)


WRITERS = {
    "AgreementSerializer": _agreement,
    "ChapterSerializer": _chapter,
    "ChapterUpdateSerializer": _chapter_update,
    "MineralSerializer": _mineral,
    "MineralUpdateSerializer": _mineral_update,
    "PartySerializer": _party,
    "PartyUpdateSerializer": _party_update,
    "RoundSerializer": _round,
    "RoundUpdateSerializer": _round_update,
    "ActionItemSerializer": _action_item,
    "ActionItemUpdateSerializer": _action_item_update,
    "PositionSerializer": _position,
    "PositionUpdateSerializer": _position_update,
    "ProvisionSerializer": _provision,
    "ProvisionUpdateSerializer": _provision_update,
    "ProvisionStatusSerializer": _provision_status,
    "ProvisionRevertSerializer": _provision_revert,
    "ProposalCreateSerializer": _proposal,
    "ProposalUpdateSerializer": _proposal_update,
    "ProposalAcceptSerializer": _proposal_accept,
    "ProposalRejectSerializer": _proposal_step("reject", "secretariat"),
    "ProposalWithdrawSerializer": _proposal_step("withdraw", "us-negotiator"),
    "ResolutionCreateSerializer": _resolution,
    "ResolutionAnswerRequestSerializer": _resolution_answer,
    "CommentSerializer": _comment,
    "CommentUpdateSerializer": _comment_update,
}

API_FIELDS = [
    (owner, name, field.max_length or column_limit(column(where)), where)
    for owner, name, field, where in FIELDS
    if owner.endswith("Serializer")
]


def _text(name: str, length: int) -> str:
    """Text of `length` characters that the field takes apart from its length."""
    if name == "code":
        return "K" * length
    if name == "colour":
        return "#" + "a" * (length - 1)
    if name == "body":  # plain words are valid bracket notation
        return ("word " * length)[: length - 1] + "."
    return "x" * length


def test_every_api_text_field_has_a_writer():
    assert {owner for owner, *_ in API_FIELDS} <= set(WRITERS)


@pytest.mark.parametrize(
    "owner,name,limit,where", API_FIELDS, ids=[f"{o}.{n}" for o, n, _, _ in API_FIELDS]
)
def test_field_limits_hold_on_the_database(owner, name, limit, where, world, make_provision, api):
    writes = Writes(world, make_provision, api)
    response, _ = WRITERS[owner](writes, name, _text(name, limit + 1))
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert name in response.json(), response.json()
    if name in ("code", "colour", "category"):
        return  # a pattern or a choice: no arbitrary text of full length is valid
    text = _text(name, limit)
    response, stored = WRITERS[owner](writes, name, text)
    if stored is None:
        assert response.status_code == 400 and name in response.json()
        return
    assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    if where == REASON:
        assert text in stored()
    else:
        assert stored() == text
