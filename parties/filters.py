import django_filters
from django import forms

from .models import AuditEntry, Party

DATE = forms.DateInput(attrs={"type": "date"})


def party_codes() -> list[tuple[str, str]]:
    """The parties to filter the log by: today's (an entry keeps its party's code as it was)."""
    return [(code, code) for code in Party.objects.values_list("code", flat=True)]


class AuditEntryFilter(django_filters.FilterSet):
    """The audit log's filters: what happened, to or by which username, which delegation, when.

    Only the secretariat filters by party: a lead's log is its own delegation's already.
    """

    kind = django_filters.ChoiceFilter(choices=AuditEntry.Kind.choices, empty_label="Any event")
    username = django_filters.CharFilter(
        field_name="username", lookup_expr="icontains", label="Username"
    )
    party = django_filters.ChoiceFilter(
        field_name="party_code", choices=party_codes, label="Party", empty_label="Any party"
    )
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To", widget=DATE
    )

    class Meta:
        model = AuditEntry
        fields = ["kind", "username", "party", "date_from", "date_to"]

    def __init__(self, *args, with_party: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_party:
            del self.filters["party"]
