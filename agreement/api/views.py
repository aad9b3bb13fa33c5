from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for

from .. import services
from ..selectors import agreement_list_for, chapter_list_for, mineral_list_for
from .serializers import (
    AgreementSerializer,
    ChapterSerializer,
    ChapterUpdateSerializer,
    MineralSerializer,
    MineralUpdateSerializer,
    ParticipationSerializer,
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
