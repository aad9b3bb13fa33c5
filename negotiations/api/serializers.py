from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from config.serializers import ModelSerializer
from parties.access import actor_for
from parties.models import Party

from ..models import ActionItem, Comment, Notification, Position, Round, Watch


class RoundSerializer(ModelSerializer):
    class Meta:
        model = Round
        fields = ["id", "agreement", "number", "venue", "starts_on", "ends_on", "closed_at"]


class RoundUpdateSerializer(RoundSerializer):
    class Meta(RoundSerializer.Meta):
        read_only_fields = ["agreement"]


class PositionSerializer(ModelSerializer):
    party = serializers.SlugRelatedField(slug_field="code", queryset=Party.objects.all())
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    internal_note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Seen by the party's own delegation only; omitted for everyone else.",
    )

    class Meta:
        model = Position
        fields = [
            "id",
            "provision",
            "party",
            "stance",
            "note",
            "internal_note",
            "reason",
            "updated_at",
        ]
        # One position per party and provision: POST records or replaces it.
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        actor = actor_for(self.context["request"].user)
        if not actor.sees_delegation_material_of(instance.party_id):
            data.pop("internal_note", None)
        return data


class PositionUpdateSerializer(PositionSerializer):
    class Meta(PositionSerializer.Meta):
        read_only_fields = ["provision", "party"]


class CommentSerializer(ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    party = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "provision",
            "provision_version",
            "author",
            "party",
            "visibility",
            "body",
            "created_at",
            "updated_at",
        ]


class CommentUpdateSerializer(CommentSerializer):
    class Meta(CommentSerializer.Meta):
        read_only_fields = ["provision", "provision_version"]


class ActionItemSerializer(ModelSerializer):
    owner_party = serializers.SlugRelatedField(slug_field="code", queryset=Party.objects.all())
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "agreement",
            "title",
            "description",
            "owner_party",
            "assignee",
            "due_on",
            "provision",
            "round",
            "done",
            "done_at",
            "overdue",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["done_at", "created_by", "created_at"]

    def get_overdue(self, item: ActionItem) -> bool:
        return bool(item.due_on and not item.done and item.due_on < timezone.localdate())


class ActionItemUpdateSerializer(ActionItemSerializer):
    class Meta(ActionItemSerializer.Meta):
        read_only_fields = [*ActionItemSerializer.Meta.read_only_fields, "agreement", "owner_party"]


class WatchSerializer(ModelSerializer):
    class Meta:
        model = Watch
        fields = ["id", "agreement", "chapter", "provision", "created_at"]
        validators = []  # watching twice is answered with the existing watch


class NotificationSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    delegation_only = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "agreement",
            "provision",
            "actor",
            "message",
            "url",
            "delegation_only",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_delegation_only(self, notification) -> bool:
        return notification.delegation_id is not None


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Notifications to mark read; all of yours when omitted",
    )


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
