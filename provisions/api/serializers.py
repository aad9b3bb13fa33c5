from rest_framework import serializers

from agreement.models import Mineral
from config.serializers import ChoiceField, ModelSerializer
from parties.models import Party

from ..models import Provision, Status


class ProvisionSerializer(ModelSerializer):
    proposed_by = serializers.SlugRelatedField(
        slug_field="code", queryset=Party.objects.all(), required=False, allow_null=True
    )
    minerals = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mineral.objects.all(), required=False
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="On update: the version you edited (or send If-Match). Read: the current version.",
    )
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Change reason recorded in the history",
    )

    class Meta:
        model = Provision
        fields = [
            "id",
            "agreement",
            "chapter",
            "number",
            "order",
            "heading",
            "category",
            "status",
            "proposed_by",
            "body",
            "bracket_count",
            "minerals",
            "version",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "bracket_count", "created_at", "updated_at"]


class ProvisionUpdateSerializer(ProvisionSerializer):
    class Meta(ProvisionSerializer.Meta):
        read_only_fields = [*ProvisionSerializer.Meta.read_only_fields, "agreement", "proposed_by"]


class ProvisionStatusSerializer(serializers.Serializer):
    status = ChoiceField(choices=Status.choices)
    version = serializers.IntegerField(required=False, min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
