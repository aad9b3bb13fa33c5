from rest_framework import serializers

from config.serializers import ModelSerializer
from parties.models import Party
from provisions.compare import CHANGE_KINDS

from ..models import Agreement, Chapter, Mineral, Participation


class ParticipationSerializer(ModelSerializer):
    party = serializers.SlugRelatedField(slug_field="code", queryset=Party.objects.all())

    class Meta:
        model = Participation
        fields = ["party", "joined_on", "standing"]


class AgreementSerializer(ModelSerializer):
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "short_title",
            "status",
            "description",
            "participants",
            "created_at",
        ]


class ChapterSerializer(ModelSerializer):
    class Meta:
        model = Chapter
        fields = ["id", "agreement", "number", "title"]


class ChapterUpdateSerializer(ChapterSerializer):
    class Meta(ChapterSerializer.Meta):
        read_only_fields = ["agreement"]


class MineralSerializer(ModelSerializer):
    hs_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{4}(\.\d{2}){0,2}$"),
        allow_empty=True,
        help_text="HS headings or subheadings, e.g. 2825.20",
    )

    class Meta:
        model = Mineral
        fields = ["id", "agreement", "name", "hs_codes"]


class MineralUpdateSerializer(MineralSerializer):
    class Meta(MineralSerializer.Meta):
        read_only_fields = ["agreement"]


class PointInTimeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()


class ProvisionChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    heading = serializers.CharField()
    kind = serializers.ChoiceField(choices=CHANGE_KINDS)
    moved = serializers.BooleanField()
    from_version = serializers.IntegerField(allow_null=True)
    to_version = serializers.IntegerField(allow_null=True)
    fields = serializers.ListField(child=serializers.DictField())
    diff = serializers.ListField(child=serializers.DictField(), help_text="Word diff operations")


class AgreementCompareSerializer(serializers.Serializer):
    from_ = PointInTimeSerializer()
    to = PointInTimeSerializer()
    summary = serializers.DictField(child=serializers.IntegerField())
    provisions = ProvisionChangeSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields
