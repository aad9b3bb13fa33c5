from django.core.exceptions import ValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.viewsets import CreateReadUpdateViewSet
from negotiations.progress import agreement_progress
from negotiations.selectors import point_in_time, positions_matrix
from parties.access import actor_for
from provisions.selectors import agreement_compare

from .. import services
from ..selectors import agreement_list_for, chapter_list_for, export_list_for, mineral_list_for
from .serializers import (
    AgreementCompareSerializer,
    AgreementSerializer,
    ChapterSerializer,
    ChapterUpdateSerializer,
    ExportJobSerializer,
    ExportRequestSerializer,
    MatrixRowSerializer,
    MineralSerializer,
    MineralUpdateSerializer,
    ParticipationSerializer,
    PositionsMatrixSerializer,
    ProgressSerializer,
    comparison_data,
)


class AgreementViewSet(CreateReadUpdateViewSet):
    """Agreements the caller's party takes part in (all of them for the secretariat)."""

    serializer_class = AgreementSerializer
    filterset_fields = ["status"]
    search_fields = ["title", "short_title"]

    def get_queryset(self):
        return agreement_list_for(actor_for(self.request.user)).prefetch_related(
            "participations__party"
        )

    def perform_create(self, serializer):
        serializer.instance = services.agreement_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.agreement_update(
            actor=actor_for(self.request.user),
            agreement=serializer.instance,
            **serializer.validated_data,
        )

    @extend_schema(request=ParticipationSerializer, responses={201: ParticipationSerializer})
    @action(detail=True, methods=["post"])
    def participants(self, request, pk=None):
        """Admit a party to the agreement (secretariat)."""
        serializer = ParticipationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participation = services.participation_add(
            actor=actor_for(request.user), agreement=self.get_object(), **serializer.validated_data
        )
        return Response(ParticipationSerializer(participation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from",
                str,
                required=True,
                description="round:N (its close), YYYY-MM-DD (end of day, UTC), an ISO date-time, or now",
            ),
            OpenApiParameter("to", str, description="Same forms; default now"),
        ],
        responses=AgreementCompareSerializer,
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, pk=None):
        """Provisions added, removed, changed and moved between two points in time, each with its diff."""
        agreement = self.get_object()
        if not request.query_params.get("from"):
            raise ValidationError(
                {"from": "Give the earlier point: round:N, a date or a date-time."}
            )
        start = point_in_time(agreement, request.query_params["from"], name="from")
        end = point_in_time(agreement, request.query_params.get("to"), name="to")
        return Response(comparison_data(start, end, agreement_compare(agreement, start.at, end.at)))

    @extend_schema(responses=PositionsMatrixSerializer)
    @action(detail=True, methods=["get"], url_path="positions-matrix")
    def positions_matrix(self, request, pk=None):
        """Each provision × each party's stance and shared note (internal notes never appear)."""
        matrix = positions_matrix(self.get_object())
        codes = [party.code for party in matrix.parties]
        rows = MatrixRowSerializer(matrix.rows, many=True, context={"party_codes": codes}).data
        return Response({"parties": codes, "provisions": rows})

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Provisions by status, brackets remaining per party and agreed share: now, per chapter
        and at each round's close."""
        return Response(agreement_progress(self.get_object()).as_dict())


class ChapterViewSet(CreateReadUpdateViewSet):
    filterset_fields = ["agreement"]
    search_fields = ["title"]

    def get_queryset(self):
        return chapter_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return (
            ChapterUpdateSerializer
            if self.action in {"update", "partial_update"}
            else ChapterSerializer
        )

    def perform_create(self, serializer):
        serializer.instance = services.chapter_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.chapter_update(
            actor=actor_for(self.request.user),
            chapter=serializer.instance,
            **serializer.validated_data,
        )


class MineralViewSet(CreateReadUpdateViewSet):
    filterset_fields = ["agreement"]
    search_fields = ["name"]

    def get_queryset(self):
        return mineral_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return (
            MineralUpdateSerializer
            if self.action in {"update", "partial_update"}
            else MineralSerializer
        )

    def perform_create(self, serializer):
        serializer.instance = services.mineral_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.mineral_update(
            actor=actor_for(self.request.user),
            mineral=serializer.instance,
            **serializer.validated_data,
        )


class ExportJobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Consolidated-text exports built in the background. POST answers 202 with the job; poll it
    until `status` is done, then fetch `download_url`. Each caller sees only their own exports."""

    serializer_class = ExportJobSerializer
    filterset_fields = ["agreement", "status", "format", "variant"]

    def get_queryset(self):
        return export_list_for(actor_for(self.request.user))

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            202: ExportJobSerializer,
            503: OpenApiResponse(
                description="The export service (its queue) is down: no job was made; retry later"
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = services.export_request(
                actor=actor_for(request.user), **serializer.validated_data
            )
        except services.ExportServiceUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        job.refresh_from_db()  # with eager tasks the file may already be built
        return Response(
            ExportJobSerializer(job, context=self.get_serializer_context()).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The built file, for the person it was prepared for."""
        job = self.get_object()
        return FileResponse(
            services.export_download(actor=actor_for(request.user), job=job, request=request),
            as_attachment=True,
            filename=job.file_name,
        )
