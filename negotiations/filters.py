import django_filters
from django.utils import timezone

from parties.models import Party

from .models import ActionItem, Notification, Proposal


class ActionItemFilter(django_filters.FilterSet):
    """Action item filters shared by the API and the action items page."""

    mine = django_filters.BooleanFilter(method="filter_mine", label="Assigned to me")
    my_party = django_filters.BooleanFilter(method="filter_my_party", label="Owned by my party")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Past due and not done")

    class Meta:
        model = ActionItem
        fields = ["agreement", "owner_party", "assignee", "done", "provision", "round"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(assignee=user) if value else queryset.exclude(assignee=user)

    def filter_my_party(self, queryset, name, value):
        party_id = getattr(getattr(self.request.user, "membership", None), "party_id", None)
        return (
            queryset.filter(owner_party_id=party_id)
            if value
            else queryset.exclude(owner_party_id=party_id)
        )

    def filter_overdue(self, queryset, name, value):
        overdue = {"done": False, "due_on__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Unread only"
    )

    class Meta:
        model = Notification
        fields = ["kind", "agreement", "provision", "unread"]


class ProposalFilter(django_filters.FilterSet):
    """Proposal filters shared by the API and the proposals pages."""

    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.all(), to_field_name="code", label="Proposing party (code)"
    )

    class Meta:
        model = Proposal
        fields = ["agreement", "provision", "party", "state"]
