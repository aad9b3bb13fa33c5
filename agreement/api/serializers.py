from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import ChoiceField, ModelSerializer
from negotiations.models import Round
from parties.models import Party
from provisions.compare import CHANGE_KINDS, ProvisionChange, summarize

from ..models import Agreement, Chapter, ExportJob, Mineral, Participation


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


def comparison_data(start, end, changes: list[ProvisionChange]) -> dict:
    """The compare response: both points, the summary and each changed provision with its diff."""
    return {
        "from": {"at": start.at, "label": start.label},
        "to": {"at": end.at, "label": end.label},
        "summary": summarize(changes),
        "provisions": [change.as_dict() for change in changes],
    }


class MatrixCellSerializer(serializers.Serializer):
    stance = serializers.CharField()
    note = serializers.CharField()
    provision_version = serializers.IntegerField(
        allow_null=True, help_text="The provision version the stance was given on"
    )
    consent = serializers.ChoiceField(
        choices=["current", "stale"],
        allow_null=True,
        help_text="For `agree`: `current`, or `stale` once the text changed (agreed version "
        "`provision_version`; changed since); null for other stances",
    )
    meeting = serializers.CharField(
        help_text="The meeting, when the secretariat recorded an `agree` given in the room"
    )
    updated_at = serializers.DateTimeField()


class MatrixRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="provision.pk")
    number = serializers.CharField(source="provision.number")
    heading = serializers.CharField(source="provision.heading")
    status = serializers.CharField(source="provision.status")
    text_version = serializers.IntegerField(
        source="provision.text_version",
        help_text="The version at which the text last changed: an `agree` counts from it on",
    )
    positions = serializers.SerializerMethodField()
    consents = serializers.SerializerMethodField(
        help_text="Each participant's consent to agree (observers left out): current, stale or "
        "missing; agreeing needs every one current"
    )

    @extend_schema_field(serializers.DictField(child=MatrixCellSerializer(allow_null=True)))
    def get_positions(self, row) -> dict:
        codes = self.context["party_codes"]
        return {
            code: MatrixCellSerializer(
                {
                    "stance": cell.stance,
                    "note": cell.note,
                    "provision_version": cell.provision_version,
                    "consent": consent,
                    "meeting": cell.meeting,
                    "updated_at": cell.updated_at,
                }
            ).data
            if cell
            else None
            for code, (cell, consent) in zip(codes, row.cells_with_consent, strict=True)
        }

    @extend_schema_field(
        serializers.DictField(child=serializers.ChoiceField(["current", "stale", "missing"]))
    )
    def get_consents(self, row) -> dict:
        return {consent.party.code: str(consent.state) for consent in row.consents}


class PositionsMatrixSerializer(serializers.Serializer):
    parties = serializers.ListField(child=serializers.CharField())
    provisions = MatrixRowSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    provisions = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    agreed = serializers.IntegerField()
    agreed_share = serializers.FloatField()
    brackets = serializers.DictField()


class ProgressSerializer(serializers.Serializer):
    figures = FiguresSerializer()
    chapters = serializers.ListField(child=serializers.DictField())
    rounds = serializers.ListField(child=serializers.DictField())


class ExportJobSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "agreement",
            "format",
            "variant",
            "as_of",
            "as_of_label",
            "base_at",
            "base_label",
            "status",
            "progress",
            "attempts",
            "error",
            "marking",
            "requested_by",
            "file_name",
            "size",
            "sha256",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
            "file_removed_at",
        ]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if job.status != ExportJob.Status.DONE or not job.file:
            return None
        url = reverse("export-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ExportRequestSerializer(serializers.Serializer):
    agreement = serializers.PrimaryKeyRelatedField(queryset=Agreement.objects.all())
    format = ChoiceField(choices=ExportJob.Format.choices)
    variant = ChoiceField(choices=ExportJob.Variant.choices)
    as_of = serializers.DateTimeField(required=False, help_text="Read the text as of this moment")
    round = serializers.PrimaryKeyRelatedField(
        queryset=Round.objects.all(), required=False, help_text="…or as of this round's close"
    )
    base_round = serializers.PrimaryKeyRelatedField(
        queryset=Round.objects.all(),
        required=False,
        help_text="Redline: changes since this round's close",
    )
    base_as_of = serializers.DateTimeField(
        required=False, help_text="Redline: changes since this moment"
    )
