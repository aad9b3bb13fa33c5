from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView, ListView

from config.forms import add_service_error
from negotiations.progress import agreement_progress
from negotiations.selectors import point_in_time, positions_matrix
from parties.access import actor_for
from provisions import diff
from provisions.compare import summarize
from provisions.models import Provision, Status
from provisions.selectors import agreement_compare

from . import services
from .charts import ChartPoint, progress_chart_svg
from .forms import ExportForm
from .selectors import (
    agreement_list_for,
    export_list_for,
    mineral_list_for,
    participation_list,
)


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
    """The dashboard: provisions by chapter and status, brackets remaining per chapter and party,
    progress across rounds, and the positions matrix (shared fields only)."""

    template_name = "agreement/agreement_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return get_object_or_404(
            agreement_list_for(actor_for(self.request.user)), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.object
        participations = list(participation_list(agreement))
        progress = agreement_progress(agreement)
        figures = progress.figures
        # Every participating party (in code order, as in the matrix), and any code still named
        # in brackets though its party has since left.
        codes = sorted(
            {p.party.code for p in participations}
            | {code for c in progress.chapters for code in c.figures.brackets_by_party}
        )
        points = [
            ChartPoint(f"Round {r.number}", r.figures.brackets_total, r.figures.agreed)
            for r in progress.rounds
        ] + [ChartPoint("Now", figures.brackets_total, figures.agreed)]
        context.update(
            participations=participations,
            progress=progress,
            statuses=Status.choices,
            status_rows=[
                (chapter, [chapter.figures.by_status.get(value, 0) for value in Status.values])
                for chapter in progress.chapters
            ],
            status_totals=[figures.by_status.get(value, 0) for value in Status.values],
            party_codes=codes,
            bracket_rows=[
                (chapter, [chapter.figures.brackets_by_party.get(code, 0) for code in codes])
                for chapter in progress.chapters
            ],
            bracket_totals=[figures.brackets_by_party.get(code, 0) for code in codes],
            chart_points=points,
            chart_svg=mark_safe(  # progress_chart_svg escapes every piece of text
                progress_chart_svg(points, title=f"Progress of {agreement} across rounds")
            ),
            matrix=positions_matrix(agreement),
        )
        return context


class MineralListView(LoginRequiredMixin, View):
    """Each covered mineral with its HS codes and the provisions that name it, in reading order."""

    def get(self, request, pk):
        actor = actor_for(request.user)
        agreement = get_object_or_404(agreement_list_for(actor), pk=pk)
        provisions = Provision.objects.in_reading_order().select_related("chapter")
        minerals = (
            mineral_list_for(actor)
            .filter(agreement=agreement)
            .prefetch_related(Prefetch("provisions", queryset=provisions))
        )
        return render(
            request,
            "agreement/mineral_list.html",
            {"agreement": agreement, "minerals": minerals},
        )


class ExportView(LoginRequiredMixin, View):
    """Ask for the consolidated text; follow the job's progress; download; see recent exports."""

    template_name = "agreement/export.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.actor = actor_for(request.user)
            self.agreement = get_object_or_404(agreement_list_for(self.actor), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None) -> ExportForm:
        closed = self.agreement.rounds.filter(closed_at__isnull=False).order_by("number")
        return ExportForm(data, rounds=closed)

    def get(self, request, pk):
        return self.render(self.form())

    def post(self, request, pk):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            job = services.export_request(
                actor=self.actor, agreement=self.agreement, **form.service_arguments()
            )
        except services.ExportServiceUnavailable as error:
            messages.error(request, str(error))
            return self.render(form, status=503)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        messages.success(
            request,
            f"Export {job.pk} requested: {job.get_variant_display()} as {job.get_format_display()}.",
        )
        return redirect("agreement:export-detail", pk=job.pk)

    def render(self, form, status: int = 200):
        recent = export_list_for(self.actor).filter(agreement=self.agreement)[:10]
        context = {"agreement": self.agreement, "form": form, "recent": recent}
        return render(self.request, self.template_name, context, status=status)


class ExportDetailView(LoginRequiredMixin, View):
    """One export job; htmx polls the status fragment until the file is ready or the job failed."""

    def get(self, request, pk):
        job = get_object_or_404(export_list_for(actor_for(request.user)), pk=pk)
        template = (
            "agreement/_export_status.html" if request.htmx else "agreement/export_detail.html"
        )
        return render(request, template, {"job": job, "agreement": job.agreement})


class AgreementCompareView(LoginRequiredMixin, View):
    """What changed in the whole agreement between two points in time (rounds, dates, now)."""

    def get(self, request, pk):
        agreement = get_object_or_404(agreement_list_for(actor_for(request.user)), pk=pk)
        rounds = agreement.rounds.filter(closed_at__isnull=False).order_by("number")
        first_round = rounds.first()
        start_value = request.GET.get("from") or (
            f"round:{first_round.number}" if first_round else ""
        )
        end_value = request.GET.get("to") or "now"
        context = {
            "agreement": agreement,
            "closed_rounds": rounds,
            "from_value": start_value,
            "to_value": end_value,
        }
        status = 200
        if start_value:
            try:
                start = point_in_time(agreement, start_value, name="from")
                end = point_in_time(agreement, end_value, name="to")
            except ValidationError as error:
                context["errors"] = [
                    m for messages in error.message_dict.values() for m in messages
                ]
                status = 400
            else:
                changes = agreement_compare(agreement, start.at, end.at)
                context.update(
                    start=start,
                    end=end,
                    summary=summarize(changes),
                    changes=[
                        (change, mark_safe(diff.render_inline_html(change.ops)))
                        for change in changes
                    ],
                )
        return render(request, "agreement/agreement_compare.html", context, status=status)
