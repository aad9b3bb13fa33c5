from config.serializers import ModelSerializer

from ..models import Party


class PartySerializer(ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "code", "name", "lead_agency", "kind", "colour"]


class PartyUpdateSerializer(PartySerializer):
    """The code is fixed once a party exists: history and bracket attributions cite it."""

    class Meta(PartySerializer.Meta):
        read_only_fields = ["code"]
