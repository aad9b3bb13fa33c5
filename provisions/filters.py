import django_filters

from agreement.models import Chapter, Mineral
from parties.models import Party

from .models import Category, Provision, Status


class ProvisionFilter(django_filters.FilterSet):
    """The provision filters shared by the API and the provision list page.

    Given an agreement, the chapter, party and mineral choices are that agreement's own.
    """

    category = django_filters.ChoiceFilter(choices=Category.choices, empty_label="Any category")
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any status")
    party = django_filters.CharFilter(
        field_name="proposed_by__code", lookup_expr="iexact", label="Proposing party code (e.g. EU)"
    )
    # An id that names no mineral (a number of any size) is refused with 400, as for chapter.
    mineral = django_filters.ModelChoiceFilter(
        field_name="minerals", queryset=Mineral.objects.all(), label="Covered mineral id"
    )

    class Meta:
        model = Provision
        fields = ["agreement", "chapter", "category", "status", "party", "mineral"]

    def __init__(self, *args, agreement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement is not None:
            # On a page: pick lists limited to this agreement, the agreement itself implied.
            del self.filters["agreement"]
            self.filters["chapter"] = django_filters.ModelChoiceFilter(
                queryset=Chapter.objects.filter(agreement=agreement), empty_label="Any chapter"
            )
            self.filters["party"] = django_filters.ModelChoiceFilter(
                field_name="proposed_by",
                queryset=Party.objects.filter(participations__agreement=agreement),
                to_field_name="code",
                label="Proposed by",
                empty_label="Any party",
            )
            self.filters["mineral"] = django_filters.ModelChoiceFilter(
                field_name="minerals",
                queryset=Mineral.objects.filter(agreement=agreement),
                label="Mineral",
                empty_label="Any mineral",
            )
