from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, ListView

from parties.access import actor_for
from provisions.models import Status

from .selectors import agreement_list_for, participation_list


class AgreementListView(LoginRequiredMixin, ListView):
    """The agreements the user's party takes part in; with just one, go straight to it."""

    template_name = "agreement/agreement_list.html"
    context_object_name = "agreements"

    def get_queryset(self):
        return agreement_list_for(actor_for(self.request.user))

    def get(self, request, *args, **kwargs):
        agreements = list(self.get_queryset()[:2])
        if len(agreements) == 1:
            return redirect("agreement:agreement-detail", pk=agreements[0].pk)
        return super().get(request, *args, **kwargs)


class AgreementDetailView(LoginRequiredMixin, DetailView):
    """The overview: each chapter with its provisions, and provisions counted by status."""

    template_name = "agreement/agreement_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return get_object_or_404(
            agreement_list_for(actor_for(self.request.user)), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.object
        provisions = agreement.provisions.in_reading_order().select_related("proposed_by")
        by_chapter: dict[int, list] = {}
        for provision in provisions:
            by_chapter.setdefault(provision.chapter_id, []).append(provision)
        counts = dict(agreement.provisions.values_list("status").annotate(n=Count("id")))
        context.update(
            chapters=[
                (chapter, by_chapter.get(chapter.pk, [])) for chapter in agreement.chapters.all()
            ],
            status_counts=[(value, label, counts.get(value, 0)) for value, label in Status.choices],
            participations=participation_list(agreement),
            provision_total=sum(counts.values()),
        )
        return context
