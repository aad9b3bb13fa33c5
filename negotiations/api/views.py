from rest_framework import mixins

from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for

from .. import services
from ..selectors import action_item_list_for, comment_list_for, position_list_for, round_list_for
from .serializers import (
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    PositionSerializer,
    PositionUpdateSerializer,
    RoundSerializer,
    RoundUpdateSerializer,
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
        data = {
            "stance": position.stance,
            "note": position.note,
            "internal_note": position.internal_note,
            **serializer.validated_data,
        }
        serializer.instance = services.position_record(
            actor=actor_for(self.request.user),
            provision=position.provision,
            party=position.party,
            **data,
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
    """Tasks owed by delegations. PATCH `done` to tick one off."""

    filterset_fields = ["agreement", "owner_party", "assignee", "done", "provision", "round"]
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
