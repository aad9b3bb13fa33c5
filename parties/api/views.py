from config.viewsets import CreateReadUpdateViewSet

from ..access import actor_for
from ..models import Party
from ..services import party_create, party_update
from .serializers import PartySerializer, PartyUpdateSerializer


class PartyViewSet(CreateReadUpdateViewSet):
    """Contracting parties. Everyone signed in reads them; the secretariat registers and edits them."""

    queryset = Party.objects.all()
    serializer_class = PartySerializer
    filterset_fields = ["code", "kind"]
    search_fields = ["code", "name", "lead_agency"]

    def get_serializer_class(self):
        return (
            PartyUpdateSerializer
            if self.action in {"update", "partial_update"}
            else PartySerializer
        )

    def perform_create(self, serializer):
        serializer.instance = party_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = party_update(
            actor=actor_for(self.request.user),
            party=serializer.instance,
            **serializer.validated_data,
        )
