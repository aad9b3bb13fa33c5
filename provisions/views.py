from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView

from agreement.selectors import agreement_list_for
from config.forms import add_service_error
from negotiations.selectors import comment_list_for, position_list_for, watch_list_for
from parties.access import Capability, actor_for

from . import brackets, diff, services
from .filters import ProvisionFilter
from .forms import ProvisionEditForm, VersionPickForm
from .selectors import provision_diff, provision_get_for, provision_history, provision_list_for


def rendered_text(body: str) -> dict:
    """The text as party-marked HTML, with its bracket count, for templates."""
    parsed = brackets.parse(body)
    # to_html escapes every piece of the text itself.
    return {
        "html": mark_safe(brackets.to_html(parsed.document)),
        "count": brackets.count_brackets(parsed.document),
    }


class ProvisionMixin(LoginRequiredMixin):
    """Loads the provision (404 outside the user's agreements) and the actor."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.provision = provision_get_for(self.actor, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def page_context(self, **extra) -> dict:
        """What every provision page shows: the provision, and its agreement for the navigation."""
        return {"provision": self.provision, "agreement": self.provision.agreement, **extra}


class ProvisionDetailView(ProvisionMixin, DetailView):
    """A provision: its negotiating text with party-marked brackets, positions, comments and history."""

    template_name = "provisions/provision_detail.html"
    context_object_name = "provision"

    def get_object(self, queryset=None):
        return self.provision

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = self.actor
        positions = position_list_for(actor).filter(provision=self.provision)
        context.update(
            self.page_context(),
            text=rendered_text(self.provision.body),
            can_edit=actor.can(Capability.EDIT_TEXT),
            positions=[(p, actor.sees_delegation_material_of(p.party_id)) for p in positions],
            comments=comment_list_for(actor).filter(provision=self.provision),
            history=provision_history(self.provision)[:10],
            watch=watch_list_for(actor).filter(provision=self.provision).first(),
        )
        return context


class ProvisionEditView(ProvisionMixin, View):
    """Edit the text. A stale version shows the conflict screen; what the user typed is never lost."""

    template_name = "provisions/provision_edit.html"

    def get(self, request, pk):
        return self.render(ProvisionEditForm.for_provision(self.provision))

    def post(self, request, pk):
        form = ProvisionEditForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            saved = services.provision_update(
                actor=self.actor,
                provision=self.provision,
                expected_version=data["version"],
                reason=data["reason"],
                heading=data["heading"],
                body=data["body"],
            )
        except services.VersionConflict as conflict:
            return self.render_conflict(form, conflict)
        except services.InvalidBracketText as error:
            add_service_error(form, error)
            return self.render(form, status=400, bracket_errors=error.bracket_errors)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        messages.success(request, f"Saved Article {saved.number} as version {saved.version}.")
        return redirect("provisions:provision-detail", pk=saved.pk)

    def render_conflict(self, form, conflict: services.VersionConflict):
        current = conflict.current
        # Keep the user's text and reason; arm the form with the current version so that saving
        # again is a deliberate choice to replace what the other delegate saved.
        reapply = ProvisionEditForm(
            initial={**form.cleaned_data, "version": current.version},
        )
        ops = diff.diff_text(form.cleaned_data["body"], current.body)
        return self.render(
            reapply,
            status=409,
            conflict=conflict,
            current=current,
            current_text=rendered_text(current.body),
            conflict_diff=mark_safe(diff.render_inline_html(ops)),
        )

    def render(self, form, status: int = 200, **extra):
        context = self.page_context(form=form, **extra)
        return render(self.request, self.template_name, context, status=status)


class ProvisionHistoryView(ProvisionMixin, View):
    """Every version with author, party, time, reason, status and brackets; pick two to compare."""

    def get(self, request, pk):
        history = list(provision_history(self.provision))
        return render(
            request,
            "provisions/provision_history.html",
            self.page_context(history=history),
        )


class ProvisionCompareView(ProvisionMixin, View):
    """Two versions side by side or inline, with heading, status and category changes."""

    def get(self, request, pk):
        provision = self.provision
        versions = list(range(provision.version, 0, -1))
        defaults = {
            "from_version": max(provision.version - 1, 1),
            "to_version": provision.version,
            "view": "inline",
        }
        form = VersionPickForm({**defaults, **request.GET.dict()}, versions=versions)
        context = self.page_context(form=form)
        if form.is_valid():
            picked = form.cleaned_data
            result = provision_diff(provision, picked["from_version"], picked["to_version"])
            context.update(
                result=result,
                view=picked["view"],
                inline_html=mark_safe(diff.render_inline_html(result.ops)),
                rows=[
                    (mark_safe(old), mark_safe(new))
                    for old, new in diff.render_side_by_side(result.ops)
                ],
            )
        return render(
            request,
            "provisions/provision_compare.html",
            context,
            status=200 if form.is_valid() else 400,
        )


class ProvisionListView(LoginRequiredMixin, View):
    """Every provision of an agreement, filtered and searched; htmx swaps only the results."""

    page_size = 50

    def get(self, request, pk):
        actor = actor_for(request.user)
        agreement = get_object_or_404(agreement_list_for(actor), pk=pk)
        queryset = provision_list_for(actor).filter(agreement=agreement).in_reading_order()
        filters = ProvisionFilter(request.GET, queryset=queryset, agreement=agreement)
        results = filters.qs
        if query := request.GET.get("q", "").strip():
            results = results.filter(
                Q(heading__icontains=query) | Q(body__icontains=query) | Q(number=query)
            )
        page = Paginator(results, self.page_size).get_page(request.GET.get("page"))
        template = (
            "provisions/_provision_results.html"
            if request.htmx
            else "provisions/provision_list.html"
        )
        context = {"agreement": agreement, "filters": filters, "page_obj": page, "query": query}
        return render(request, template, context, status=200 if filters.is_valid() else 400)
