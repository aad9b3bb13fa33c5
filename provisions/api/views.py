from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for

from .. import services
from ..filters import ProvisionFilter
from ..selectors import provision_list_for
from .serializers import ProvisionSerializer, ProvisionStatusSerializer, ProvisionUpdateSerializer

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you edited, as returned in ETag (e.g. "3"). Or send `version` in the body.',
)


def parse_if_match(value: str | None) -> int | None:
    """Read a version from an If-Match header: "3", W/"3" or 3."""
    if not value:
        return None
    token = value.strip().removeprefix("W/").strip('"')
    if not token.isdigit():
        raise ValidationError({"If-Match": f'Expected a version such as "3", got {value!r}.'})
    return int(token)


def conflict_response(conflict: services.VersionConflict) -> Response:
    return Response(
        {
            "detail": str(conflict),
            "current_version": conflict.current.version,
            "current": ProvisionSerializer(conflict.current).data,
        },
        status=status.HTTP_409_CONFLICT,
        headers={"ETag": f'"{conflict.current.version}"'},
    )


@extend_schema_view(
    update=extend_schema(parameters=[IF_MATCH]), partial_update=extend_schema(parameters=[IF_MATCH])
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

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        try:
            response = super().update(request, *args, **kwargs)
        except services.VersionConflict as conflict:
            return conflict_response(conflict)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.provision_create(actor=actor_for(self.request.user), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        header_version = parse_if_match(self.request.headers.get("If-Match"))
        body_version = data.pop("version", None)
        expected = header_version if header_version is not None else body_version
        if expected is None:
            raise ValidationError(
                {"version": "Send the version you edited, as If-Match or a `version` field."}
            )
        serializer.instance = services.provision_update(
            actor=actor_for(self.request.user),
            provision=serializer.instance,
            expected_version=expected,
            reason=data.pop("reason", ""),
            **data,
        )

    @extend_schema(request=ProvisionStatusSerializer, responses=ProvisionSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Move the provision to another status (leads and the secretariat)."""
        provision = self.get_object()
        serializer = ProvisionStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            provision = services.provision_set_status(
                actor=actor_for(request.user),
                provision=provision,
                status=serializer.validated_data["status"],
                expected_version=serializer.validated_data.get("version"),
                reason=serializer.validated_data.get("reason", ""),
            )
        except services.VersionConflict as conflict:
            return conflict_response(conflict)
        return Response(
            ProvisionSerializer(provision).data, headers={"ETag": f'"{provision.version}"'}
        )
