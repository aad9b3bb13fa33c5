from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agreement.api.serializers import AgreementCompareSerializer, comparison_data
from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for
from provisions.selectors import agreement_compare

from .. import services
from ..filters import ActionItemFilter, NotificationFilter
from ..selectors import (
    action_item_list_for,
    comment_list_for,
    notification_list_for,
    position_list_for,
    round_list_for,
    round_window,
    watch_list_for,
)
from .serializers import (
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
    PositionSerializer,
    PositionUpdateSerializer,
    RoundSerializer,
    RoundUpdateSerializer,
    UnreadCountSerializer,
    WatchSerializer,
)

WRITE_ACTIONS = {"update", "partial_update"}


class RoundViewSet(CreateReadUpdateViewSet):
    filterset_fields = ["agreement"]
    search_fields = ["venue"]

    def get_queryset(self):
        return round_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return RoundUpdateSerializer if self.action in WRITE_ACTIONS else RoundSerializer

    def perform_create(self, serializer):
        serializer.instance = services.round_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.round_update(
            actor=actor_for(self.request.user),
            round_=serializer.instance,
            **serializer.validated_data,
        )

    @extend_schema(request=None, responses={200: RoundSerializer, 409: RoundSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the round: its text is read from this moment on. A closed round stays closed (409)."""
        try:
            round_ = services.round_close(actor=actor_for(request.user), round_=self.get_object())
        except services.RoundAlreadyClosed as closed:
            return Response(
                {"detail": str(closed), **RoundSerializer(closed.round).data},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(RoundSerializer(round_).data)

    @extend_schema(responses=AgreementCompareSerializer)
    @action(detail=True, methods=["get"])
    def changes(self, request, pk=None):
        """Provisions changed during the round: from the previous round's close (or the beginning)
        to this one's close (or now while it is open), each with its diff."""
        round_ = self.get_object()
        start, end = round_window(round_)
        changes = agreement_compare(round_.agreement, start.at, end.at)
        return Response(comparison_data(start, end, changes))


class PositionViewSet(CreateReadUpdateViewSet):
    """Each party's stance per provision. POST records (or replaces) the caller's party's position."""

    filterset_fields = ["provision", "party", "stance", "provision__agreement"]

    def get_queryset(self):
        return position_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return PositionUpdateSerializer if self.action in WRITE_ACTIONS else PositionSerializer

    def perform_create(self, serializer):
        serializer.instance = services.position_record(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        position = serializer.instance
        serializer.instance = services.position_record(
            actor=actor_for(self.request.user),
            provision=position.provision,
            party=position.party,
            **{"stance": position.stance, **serializer.validated_data},  # notes left out are kept
        )


class CommentViewSet(CreateReadUpdateViewSet, mixins.DestroyModelMixin):
    """Comments on provisions. Delegation-only comments are visible to the author's delegation alone."""

    filterset_fields = ["provision", "visibility", "provision__agreement"]
    search_fields = ["body"]

    def get_queryset(self):
        return comment_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return CommentUpdateSerializer if self.action in WRITE_ACTIONS else CommentSerializer

    def perform_create(self, serializer):
        serializer.instance = services.comment_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.comment_update(
            actor=actor_for(self.request.user),
            comment=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.comment_delete(actor=actor_for(self.request.user), comment=instance)


class ActionItemViewSet(CreateReadUpdateViewSet):
    """Tasks owed by delegations. PATCH `done` to tick one off. Filters: mine, my_party, overdue."""

    filterset_class = ActionItemFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "created_at"]

    def get_queryset(self):
        return action_item_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return ActionItemUpdateSerializer if self.action in WRITE_ACTIONS else ActionItemSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("done", None)
        serializer.instance = services.action_item_create(
            actor=actor_for(self.request.user), **data
        )

    def perform_update(self, serializer):
        actor = actor_for(self.request.user)
        data = dict(serializer.validated_data)
        done = data.pop("done", None)
        item = serializer.instance
        if data:
            item = services.action_item_update(actor=actor, item=item, **data)
        if done is not None and done != item.done:
            item = services.action_item_set_done(actor=actor, item=item, done=done)
        serializer.instance = item


class WatchViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What the caller follows: give exactly one of provision, chapter or agreement."""

    serializer_class = WatchSerializer
    filterset_fields = ["agreement", "chapter", "provision"]

    def get_queryset(self):
        return watch_list_for(actor_for(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = services.watch_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.watch_delete(actor=actor_for(self.request.user), watch=instance)


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's notifications, newest first; `?unread=true` for unread ones."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return notification_list_for(actor_for(self.request.user))

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})

    @extend_schema(request=NotificationReadSerializer, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark the listed notifications (or all of them) read; answers the unread count left."""
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.notification_mark_read(
            actor=actor_for(request.user), notification_ids=serializer.validated_data.get("ids")
        )
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})
