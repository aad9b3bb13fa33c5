from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.serializers import INTEGER_MAX
from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for

from .. import diff, merge, services
from ..filters import ProvisionFilter
from ..selectors import (
    mineral_ids_by_provision,
    provision_diff,
    provision_history,
    provision_list_for,
    provision_values,
    provision_version_get,
)
from .serializers import (
    ConflictSerializer,
    ProvisionDiffSerializer,
    ProvisionRevertSerializer,
    ProvisionSerializer,
    ProvisionStatusSerializer,
    ProvisionUpdateSerializer,
    ProvisionVersionDetailSerializer,
    ProvisionVersionSerializer,
    provision_rows,
)

# A version number in a path or a query: 1 up to the version column's largest.
VERSION_NUMBER = {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX}

# Where a write needs the version it was made on: the header, or `version` in the body, one of
# them required (the header wins when both are sent). OpenAPI cannot say "one of a header and a
# body field", so the header is not marked required and its description says so.
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you edited, as returned in ETag (e.g. "3"). Required unless the '
    "body carries `version`: with neither, 400 naming `version`; a stale one, 409.",
)
# Where the version is optional (or required only for some values: a position's `agree`).
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you read, as returned in ETag (e.g. "3"), or `version` in the '
    "body: see the operation for when it is needed; a stale one, 409.",
)
VERSION_ANSWERS = {
    400: OpenApiResponse(
        description="Invalid input, named by field: no version (`version`: send If-Match or "
        "`version`), a malformed or out-of-range If-Match or `version`"
    ),
    409: ConflictSerializer,
}


def parse_version(value: str, *, name: str) -> int:
    """A version number sent as text (a header, a query parameter): 1 to INTEGER_MAX, the range
    of the version column; anything else is refused with 400 naming where it was sent."""
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(INTEGER_MAX))
    if digits and 1 <= int(value) <= INTEGER_MAX:
        return int(value)
    raise ValidationError({name: f'Expected a version such as "3", got {value[:40]!r}.'})


def parse_if_match(value: str | None) -> int | None:
    """Read a version from an If-Match header: "3", W/"3" or 3."""
    if not value:
        return None
    return parse_version(value.strip().removeprefix("W/").strip('"'), name="If-Match")


def expected_version(request, body_version: int | None) -> int:
    """The version the caller edited: If-Match first, else the body's `version`; one is required."""
    header_version = parse_if_match(request.headers.get("If-Match"))
    version = header_version if header_version is not None else body_version
    if version is None:
        raise ValidationError(
            {"version": "Send the version you edited, as If-Match or a `version` field."}
        )
    return version


def conflict_response(conflict: services.VersionConflict, your_body: str | None = None) -> Response:
    """409 with the current provision, a word diff from the caller's text (if sent) to the
    current one, and the three-way merge of the caller's text into the current one: from the
    version the caller edited (`base_version`), when the history has it."""
    current = conflict.current
    ops = diff.diff_text(your_body, current.body) if your_body is not None else []
    return Response(
        {
            "detail": str(conflict),
            "current_version": current.version,
            "current": ProvisionSerializer(current).data,
            "diff": [op.as_dict() for op in ops],
            "base_version": conflict.expected_version,
            "merge": _merge(current, conflict.expected_version, your_body),
        },
        status=status.HTTP_409_CONFLICT,
        headers={"ETag": f'"{conflict.current.version}"'},
    )


def _merge(current, base_version: int, your_body: str | None) -> dict | None:
    """`merge.merge` of the caller's text into the current text from the version they edited;
    None without a text or when that version is not in the history."""
    if not isinstance(your_body, str):
        return None
    base = current.history.filter(version=base_version).values_list("body", flat=True).first()
    if base is None:
        return None
    result = merge.merge(base, current.body, your_body)
    return {
        "clean": result.clean,
        "text": result.text,
        "conflicts": [conflict.as_dict() for conflict in result.conflicts],
    }


PROVISION_UPDATE_ANSWERS = {
    200: ProvisionSerializer,
    400: OpenApiResponse(
        description="Invalid input, named by field: bracket errors with line and column "
        "(`bracket_errors`), no version (`version`: send If-Match or `version`), a malformed or "
        "out-of-range If-Match or `version`, agreed or withdrawn text"
    ),
    403: OpenApiResponse(
        description="Not a negotiator of a participating party; or a change the negotiation "
        "rules do not let you make directly (`negotiation_rules`: each change with its line and "
        "column; submit a proposal, or propose a resolution)"
    ),
    404: OpenApiResponse(description="Unknown provision, or one outside your agreements"),
    409: OpenApiResponse(
        ConflictSerializer,
        description="Your version is stale: nothing was saved. The current provision, "
        "`base_version` and, for a change of `body`, `merge`: your text merged into the current "
        "one (clean, or with each conflicting span as base, theirs and yours)",
    ),
}


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH], responses=PROVISION_UPDATE_ANSWERS),
    partial_update=extend_schema(parameters=[IF_MATCH], responses=PROVISION_UPDATE_ANSWERS),
)
class ProvisionViewSet(CreateReadUpdateViewSet):
    """Provisions with their bracketed text. Updates need the version you edited (If-Match or `version`)."""

    filterset_class = ProvisionFilter
    search_fields = ["number", "heading", "body"]
    ordering_fields = ["number", "updated_at", "status"]

    def get_queryset(self):
        return provision_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return ProvisionUpdateSerializer
        return ProvisionSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(provision_values(self.filter_queryset(self.get_queryset())))
        minerals = mineral_ids_by_provision([value["id"] for value in page])
        return self.get_paginated_response(provision_rows(page, minerals))

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        try:
            response = super().update(request, *args, **kwargs)
        except services.VersionConflict as conflict:
            return conflict_response(conflict, request.data.get("body"))
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.provision_create(actor=actor_for(self.request.user), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.pop("tabled_from", ""):
            raise ValidationError({"tabled_from": "Only a new provision is tabled from a text."})
        serializer.instance = services.provision_update(
            actor=actor_for(self.request.user),
            provision=serializer.instance,
            expected_version=expected_version(self.request, data.pop("version", None)),
            reason=data.pop("reason", ""),
            **data,
        )

    @extend_schema(
        request=ProvisionStatusSerializer,
        parameters=[IF_MATCH],
        responses={200: ProvisionSerializer, **VERSION_ANSWERS},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Move the provision to another status (leads and the secretariat). Needs the version you
        saw (If-Match or `version`): a status is decided on a text, not on whatever it became."""
        provision = self.get_object()
        serializer = ProvisionStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            provision = services.provision_set_status(
                actor=actor_for(request.user),
                provision=provision,
                status=serializer.validated_data["status"],
                expected_version=expected_version(
                    request, serializer.validated_data.get("version")
                ),
                reason=serializer.validated_data.get("reason", ""),
            )
        except services.VersionConflict as conflict:
            return conflict_response(conflict)
        return Response(
            ProvisionSerializer(provision).data, headers={"ETag": f'"{provision.version}"'}
        )

    @extend_schema(responses=ProvisionVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every version, newest first: author, author's party, time, reason, status, brackets,
        minerals."""
        page = self.paginate_queryset(provision_history(self.get_object()))
        return self.get_paginated_response(ProvisionVersionSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version",
                VERSION_NUMBER,
                OpenApiParameter.PATH,
                description="A version number; one the provision never had is not found (404)",
            )
        ],
        responses=ProvisionVersionDetailSerializer,
    )
    @action(detail=True, methods=["get"], url_path=r"history/(?P<version>[0-9]{1,10})")
    def history_version(self, request, pk=None, version=None):
        """One version with its full text."""
        record = provision_version_get(self.get_object(), int(version))
        return Response(ProvisionVersionDetailSerializer(record).data)

    @extend_schema(
        request=ProvisionRevertSerializer,
        parameters=[IF_MATCH],
        responses={200: ProvisionSerializer, **VERSION_ANSWERS},
    )
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        """Make an earlier version current again (a new version, reason "Reverted to version N")."""
        provision = self.get_object()
        serializer = ProvisionRevertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = provision_version_get(provision, data["to_version"])
        try:
            provision = services.provision_revert(
                actor=actor_for(request.user),
                provision=provision,
                record=record,
                expected_version=expected_version(request, data.get("version")),
                reason=data.get("reason", ""),
            )
        except services.VersionConflict as conflict:
            return conflict_response(conflict, None)
        return Response(
            ProvisionSerializer(provision).data, headers={"ETag": f'"{provision.version}"'}
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", VERSION_NUMBER, description="Older side (default: the version before `to`)"
            ),
            OpenApiParameter(
                "to", VERSION_NUMBER, description="Newer side (default: the current version)"
            ),
        ],
        responses=ProvisionDiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Word-level diff between two versions, plus heading, status, category and mineral
        changes (minerals only when both versions recorded them: see `minerals_compared`)."""
        provision = self.get_object()
        to_version = _version_param(request, "to", default=provision.version)
        from_version = _version_param(request, "from", default=max(to_version - 1, 1))
        result = provision_diff(provision, from_version, to_version)
        return Response(
            {
                "from_version": from_version,
                "to_version": to_version,
                "fields": result.fields,
                "minerals_compared": result.minerals_compared,
                "ops": [op.as_dict() for op in result.ops],
                "words_inserted": result.stats.words_inserted,
                "words_deleted": result.stats.words_deleted,
            }
        )


def _version_param(request, name: str, *, default: int) -> int:
    value = request.query_params.get(name)
    return default if value is None else parse_version(value, name=name)
