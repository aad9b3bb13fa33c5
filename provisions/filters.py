import django_filters

from .models import Category, Provision, Status


class ProvisionFilter(django_filters.FilterSet):
    """The provision filters shared by the API and the pages."""

    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    party = django_filters.CharFilter(
        field_name="proposed_by__code", lookup_expr="iexact", label="Proposing party code (e.g. EU)"
    )
    mineral = django_filters.NumberFilter(field_name="minerals", label="Covered mineral id")

    class Meta:
        model = Provision
        fields = ["agreement", "chapter", "category", "status", "party", "mineral"]
