from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreement.models import Mineral
from config.serializers import ChoiceField, IntegerField, ModelSerializer
from parties.models import Party

from ..models import Provision, Status
from ..selectors import version_minerals


class ProvisionSerializer(ModelSerializer):
    proposed_by = serializers.SlugRelatedField(
        slug_field="code", queryset=Party.objects.all(), required=False, allow_null=True
    )
    minerals = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mineral.objects.all(), required=False
    )
    version = IntegerField(
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
    tabled_from = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Secretariat only, on creation: the consolidated text the parties sent in that "
        "this provision is tabled from (it may then carry every party's attributed groups)",
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
            "tabled_from",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "bracket_count", "created_at", "updated_at"]


_TIMESTAMP = serializers.DateTimeField()


def provision_rows(values: list[dict], minerals: dict[int, list[int]]) -> list[dict]:
    """ProvisionSerializer's representation of provisions read with `provision_values`, given
    their `mineral_ids_by_provision`.

    The list API prints 50 provisions a page; fetching and building them from plain values takes
    about half the time of model instances and serializer fields. A test keeps the two equal.
    """
    return [
        {
            "id": value["id"],
            "agreement": value["agreement_id"],
            "chapter": value["chapter_id"],
            "number": value["number"],
            "order": value["order"],
            "heading": value["heading"],
            "category": value["category"],
            "status": value["status"],
            "proposed_by": value["proposed_by__code"],
            "body": value["body"],
            "bracket_count": value["bracket_count"],
            "minerals": minerals[value["id"]],
            "version": value["version"],
            "created_at": _TIMESTAMP.to_representation(value["created_at"]),
            "updated_at": _TIMESTAMP.to_representation(value["updated_at"]),
        }
        for value in values
    ]


class ProvisionUpdateSerializer(ProvisionSerializer):
    class Meta(ProvisionSerializer.Meta):
        read_only_fields = [*ProvisionSerializer.Meta.read_only_fields, "agreement", "proposed_by"]


class ProvisionStatusSerializer(serializers.Serializer):
    status = ChoiceField(choices=Status.choices)
    version = IntegerField(
        required=False, min_value=1, help_text="The version you saw (or send If-Match)"
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ProvisionVersionSerializer(serializers.Serializer):
    """One row of a provision's history."""

    version = serializers.IntegerField()
    author = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    party = serializers.CharField(source="history_party", help_text="The author's party code then")
    changed_at = serializers.DateTimeField(source="history_date")
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    status = serializers.CharField()
    bracket_count = serializers.IntegerField()
    number = serializers.CharField()
    heading = serializers.CharField()
    category = serializers.CharField()
    minerals = serializers.SerializerMethodField(
        help_text="Names of the minerals this version covered, sorted; null when the version was "
        "written before history recorded minerals (unknown, not none)"
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_minerals(self, record) -> list[str] | None:
        return version_minerals(record)


class ProvisionVersionDetailSerializer(ProvisionVersionSerializer):
    chapter = serializers.IntegerField(source="chapter_id")
    body = serializers.CharField()


class ProvisionRevertSerializer(serializers.Serializer):
    to_version = IntegerField(min_value=1, help_text="The version to make current again")
    version = IntegerField(
        required=False, min_value=1, help_text="The current version you saw (or send If-Match)"
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class DiffOpSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField()
    new = serializers.JSONField()


class ProvisionDiffSerializer(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    fields = FieldChangeSerializer(
        many=True,
        help_text="Changed particulars, by field name: category, heading, minerals (sorted "
        "names), status",
    )
    minerals_compared = serializers.BooleanField(
        help_text="False when either version was written before history recorded minerals: "
        "`fields` then never lists minerals, whatever they were"
    )
    ops = DiffOpSerializer(many=True)
    words_inserted = serializers.IntegerField()
    words_deleted = serializers.IntegerField()


class MergeConflictSerializer(serializers.Serializer):
    """A span both sides changed differently (`provisions.merge.Conflict`)."""

    paragraph = serializers.IntegerField(
        help_text="The paragraph (1-based) of the merged text where the span starts"
    )
    base = serializers.CharField(
        allow_blank=True, help_text="The span in the version you edited (`base_version`)"
    )
    theirs = serializers.CharField(
        allow_blank=True, help_text="The span in the current version: what `text` holds there"
    )
    yours = serializers.CharField(allow_blank=True, help_text="The span in your text")


class MergeSerializer(serializers.Serializer):
    clean = serializers.BooleanField(
        help_text="Whether your changes and those saved meanwhile merged without a conflict"
    )
    text = serializers.CharField(
        allow_blank=True,
        help_text="Your changes merged into the current text; at each conflict, the current "
        "version's words. Send it back with the current version to save it (the negotiation "
        "rules apply to it as to any edit).",
    )
    conflicts = MergeConflictSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    current = ProvisionSerializer()
    diff = DiffOpSerializer(many=True, help_text="From your text to the current text")
    base_version = serializers.IntegerField(
        help_text="The version your change was based on (If-Match or `version`)"
    )
    merge = MergeSerializer(
        allow_null=True,
        help_text="A stale change of `body`: the three-way merge of your text into the current "
        "one, from `base_version`. Null when you sent no `body`, or when `base_version` is not "
        "in the provision's history.",
    )
