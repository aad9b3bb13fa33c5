from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import ListView

from agreement.selectors import agreement_list_for
from config.forms import add_service_error, form_errors_message
from parties.access import Capability, Role, actor_for
from provisions import diff
from provisions.compare import summarize
from provisions.models import Provision, Status
from provisions.selectors import (
    agreement_compare,
    provision_get_for,
    provision_snapshots_as_of,
    text_check,
)
from provisions.services import InvalidBracketText, VersionConflict
from provisions.views import ProvisionMixin, redirect_to_detail, rendered_text

from . import services
from .filters import ActionItemFilter, ProposalFilter
from .forms import (
    ProposalForm,
    ProposalStepForm,
    ResolutionAnswerForm,
    ResolutionProposeForm,
    WatchForm,
)
from .models import Proposal
from .progress import agreement_progress
from .selectors import (
    action_item_list_for,
    notification_list_for,
    proposal_actions,
    proposal_history_for,
    proposal_list_for,
    proposal_view,
    resolution_answers,
    resolution_list_for,
    round_list_for,
    round_window,
    watch_list_for,
)


def back(request, fallback: str = "/"):
    """Redirect to the page the form came from, if it is ours."""
    target = request.POST.get("next") or request.headers.get("Referer") or fallback
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = fallback
    return redirect(target)


class NotificationListView(LoginRequiredMixin, ListView):
    """The signed-in user's notifications, newest first."""

    template_name = "negotiations/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 50

    def get_queryset(self):
        return notification_list_for(actor_for(self.request.user)).select_related("provision")


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.notification_mark_read(actor=actor_for(request.user))
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
        return redirect("negotiations:notification-list")


class WatchCreateView(LoginRequiredMixin, View):
    def post(self, request):
        form = WatchForm(request.POST)
        if not form.is_valid():
            messages.error(request, "That cannot be watched.")
            return back(request)
        try:
            watch = services.watch_create(actor=actor_for(request.user), **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return back(request)
        messages.success(
            request, f"You are now watching {watch.target}. Changes will be e-mailed to you."
        )
        return back(request)


class WatchDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        actor = actor_for(request.user)
        watch = get_object_or_404(watch_list_for(actor), pk=pk)
        target = watch.target
        services.watch_delete(actor=actor, watch=watch)
        messages.success(request, f"You no longer watch {target}.")
        return back(request)


class RoundListView(LoginRequiredMixin, View):
    """The agreement's rounds: when and where, open or closed, and the figures at each close."""

    def get(self, request, pk):
        actor = actor_for(request.user)
        agreement = get_object_or_404(agreement_list_for(actor), pk=pk)
        rounds = list(
            round_list_for(actor)
            .filter(agreement=agreement)
            .annotate(open_items=Count("action_items", filter=Q(action_items__done=False)))
            .order_by("number")
        )
        at_close = {r.number: r.figures for r in agreement_progress(agreement).rounds}
        closed_before = None  # the round to compare each round's close with
        entries = []
        for round_ in rounds:
            entries.append((round_, at_close.get(round_.number), closed_before))
            if round_.is_closed:
                closed_before = round_
        return render(
            request,
            "negotiations/round_list.html",
            {"agreement": agreement, "entries": entries},
        )


class RoundDetailView(LoginRequiredMixin, View):
    """A round: the consolidated text as of its close (read from history), chapter by chapter,
    the provisions changed during it, and links to compare it with the rounds either side."""

    def get(self, request, pk):
        actor = actor_for(request.user)
        round_ = get_object_or_404(round_list_for(actor), pk=pk)
        agreement = round_.agreement
        others = agreement.rounds.exclude(pk=round_.pk)
        previous = others.filter(number__lt=round_.number).order_by("-number").first()
        following = others.filter(number__gt=round_.number).order_by("number").first()
        start, end = round_window(round_)
        changes = agreement_compare(agreement, start.at, end.at)
        context = {
            "agreement": agreement,
            "round": round_,
            "previous": previous,
            "following": following,
            "start": start,
            "end": end,
            "changes": changes,
            "summary": summarize(changes),
            "chapters": self.text_as_of_close(round_) if round_.is_closed else [],
        }
        return render(request, "negotiations/round_detail.html", context)

    @staticmethod
    def text_as_of_close(round_) -> list[tuple[object, list[tuple[object, str, dict]]]]:
        """[(chapter, [(snapshot, status label, rendered text)])] in reading order; withdrawn text
        left out."""
        agreement = round_.agreement
        snapshots = sorted(
            (
                s
                for s in provision_snapshots_as_of(agreement, round_.closed_at).values()
                if s.status != Status.WITHDRAWN
            ),
            key=lambda s: (s.place, s.id),
        )
        chapters = []
        for chapter in agreement.chapters.order_by("number"):
            articles = [
                (s, Status(s.status).label, rendered_text(s.body))
                for s in snapshots
                if s.chapter_number == chapter.number
            ]
            if articles:
                chapters.append((chapter, articles))
        return chapters


ACTION_ITEM_TABS = {
    "mine": ("Mine", {"mine": "true"}),
    "my_party": ("My party’s", {"my_party": "true"}),
    "overdue": ("Overdue", {"overdue": "true"}),
    "all": ("All", {}),
}


class ActionItemListView(LoginRequiredMixin, ListView):
    """The agreement's action items under one tab: mine, my party's, overdue or all."""

    template_name = "negotiations/action_item_list.html"
    context_object_name = "items"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.agreement = get_object_or_404(agreement_list_for(self.actor), pk=kwargs["pk"])
        self.tab = request.GET.get("show", "mine")
        if self.tab not in ACTION_ITEM_TABS:
            self.tab = "mine"
        return super().dispatch(request, *args, **kwargs)

    def filtered(self, tab: str):
        items = action_item_list_for(self.actor).filter(agreement=self.agreement)
        return ActionItemFilter(ACTION_ITEM_TABS[tab][1], queryset=items, request=self.request).qs

    def get_queryset(self):
        return self.filtered(self.tab)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = self.actor
        context.update(
            agreement=self.agreement,
            tab=self.tab,
            tabs=[
                (key, label, self.filtered(key).count())
                for key, (label, _) in ACTION_ITEM_TABS.items()
            ],
            today=timezone.localdate(),
            entries=[
                (item, services.action_item_may_set_done(actor, item)) for item in context["items"]
            ],
        )
        return context


class ActionItemDoneView(LoginRequiredMixin, View):
    """Tick an action item off, or reopen it; refused (403) for anyone the service refuses."""

    def post(self, request, pk):
        actor = actor_for(request.user)
        item = get_object_or_404(action_item_list_for(actor), pk=pk)
        services.action_item_require_may_set_done(actor, item)  # 403 before looking at the input
        choice = request.POST.get("done")

        if choice not in {"true", "false"}:
            return HttpResponseBadRequest("Say done=true or done=false.")
        done = choice == "true"
        services.action_item_set_done(actor=actor, item=item, done=done)
        messages.success(request, f"“{item.title}” {'marked done' if done else 'reopened'}.")
        return back(
            request,
            fallback=reverse("negotiations:action-item-list", args=[item.agreement_id]),
        )


# --- Resolutions: removing brackets by consent --------------------------------------------------


class ResolutionProposeView(ProvisionMixin, View):
    """Propose a resolution from the provision page: the current text in an editor, from which
    the proposer removes brackets, and a note. What the user wrote is kept on every refusal."""

    required_capability = Capability.EDIT_TEXT
    template_name = "negotiations/resolution_propose.html"

    def get(self, request, pk):
        form = ResolutionProposeForm(
            initial={"body": self.provision.body, "version": self.provision.version}
        )
        return self.render(form)

    def post(self, request, pk):
        form = ResolutionProposeForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            resolution = services.resolution_propose(
                actor=self.actor,
                provision=self.provision,
                base_version=data["version"],
                body=data["body"],
                note=data["note"],
            )
        except services.ResolutionConflict as conflict:
            # Keep the user's text; arm the form with the current version, on which it is
            # checked again when sent.
            current = conflict.provision
            rearmed = ResolutionProposeForm(initial={**data, "version": current.version})
            return self.render(rearmed, status=409, conflict=conflict)
        except services.WordingChange as refused:
            add_service_error(form, refused)
            return self.render(form, status=400, rule_violations=refused.changes)
        except InvalidBracketText as error:
            add_service_error(form, error)
            return self.render(form, status=400, bracket_errors=error.bracket_errors)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        concerned = ", ".join(party.code for party in resolution.concerned.order_by("code"))
        messages.success(
            request,
            f"Resolution #{resolution.pk} proposed; the consent of {concerned} is asked for.",
        )
        return redirect_to_detail(request, self.provision)

    def render(self, form, status: int = 200, **extra):
        provision = Provision.objects.get(pk=self.provision.pk)  # the text as it stands now
        context = self.page_context(
            form=form, current=provision, current_text=rendered_text(provision.body), **extra
        )
        return render(self.request, self.template_name, context, status=status)


class ResolutionActionView(LoginRequiredMixin, View):
    """Consent to, decline or withdraw a resolution from the provision page, then back to it."""

    action = ""  # consent, decline or withdraw

    def post(self, request, pk):
        actor = actor_for(request.user)
        resolution = get_object_or_404(resolution_list_for(actor), pk=pk)
        provision = resolution.provision
        try:
            if self.action == "withdraw":
                resolution = services.resolution_withdraw(actor=actor, resolution=resolution)
                messages.success(request, f"Resolution #{resolution.pk} withdrawn.")
                return redirect_to_detail(request, provision)
            form = ResolutionAnswerForm(request.POST, parties=resolution.concerned.all())
            if not form.is_valid():
                messages.error(
                    request,
                    "Answer on the resolution's version; the secretariat names a party whose "
                    "consent it asks for and the meeting.",
                )
                return redirect_to_detail(request, provision)
            answer = (
                services.resolution_consent
                if self.action == "consent"
                else services.resolution_decline
            )
            resolution = answer(
                actor=actor,
                resolution=resolution,
                expected_version=form.cleaned_data["version"],
                party=form.cleaned_data["party"],
                meeting=form.cleaned_data["meeting"],
            )
        except services.ResolutionConflict as conflict:
            messages.error(request, str(conflict))
            return redirect_to_detail(request, provision)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect_to_detail(request, provision)
        messages.success(request, _answer_message(resolution))
        return redirect_to_detail(request, provision)


class ResolutionConsentView(ResolutionActionView):
    action = "consent"


class ResolutionDeclineView(ResolutionActionView):
    action = "decline"


class ResolutionWithdrawView(ResolutionActionView):
    action = "withdraw"


def _answer_message(resolution) -> str:
    if resolution.state == resolution.State.ADOPTED:
        return (
            f"Resolution #{resolution.pk} adopted: every party concerned consented, and the text "
            f"is now version {resolution.resulting_version}."
        )
    if resolution.state == resolution.State.DECLINED:
        return f"Resolution #{resolution.pk} declined; the text stays as it is."
    waiting = ", ".join(
        answer.party.code for answer in resolution_answers(resolution) if answer.answer is None
    )
    return f"Consent recorded for resolution #{resolution.pk}; waiting for {waiting}."


# --- Proposals ---------------------------------------------------------------------------------


def _proposal_or_404(actor, pk: int):
    """A proposal the actor may see (another delegation's draft is not found)."""
    return get_object_or_404(proposal_list_for(actor), pk=pk)


class ProposalCreateView(LoginRequiredMixin, View):
    """Propose a change to a provision: an editor prefilled with its current text and a note;
    save it as a draft (seen by your delegation only) or table it at once."""

    template_name = "negotiations/proposal_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.provision = provision_get_for(self.actor, kwargs["pk"])
        if self.actor.party is None or self.actor.role not in {Role.LEAD, Role.NEGOTIATOR}:
            raise PermissionDenied("A party's lead or negotiators make its proposals.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        form = ProposalForm(
            initial={"body": self.provision.body, "base_version": self.provision.version}
        )
        return self.render(form)

    def post(self, request, pk):
        form = ProposalForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        table = request.POST.get("intent") == "table"
        try:
            with transaction.atomic():
                proposal = services.proposal_create(
                    actor=self.actor,
                    provision=self.provision,
                    base_version=data["base_version"] or self.provision.version,
                    body=data["body"],
                    note=data["note"],
                )
                if table:
                    proposal = services.proposal_table(actor=self.actor, proposal=proposal)
        except InvalidBracketText as error:
            add_service_error(form, error)
            return self.render(form, status=400, bracket_errors=error.bracket_errors)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        if table:
            messages.success(request, f"Proposal #{proposal.pk} tabled: every participant sees it.")
        else:
            messages.success(
                request, f"Proposal #{proposal.pk} saved as a draft: only your delegation sees it."
            )
        return redirect("negotiations:proposal-detail", proposal.pk)

    def render(self, form, status: int = 200, **extra):
        base_version = form["base_version"].value() or self.provision.version
        context = {
            "form": form,
            "provision": self.provision,
            "agreement": self.provision.agreement,
            "base_version": base_version,
            "check": text_check(self.provision.agreement, form["body"].value() or ""),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


class ProposalEditView(LoginRequiredMixin, View):
    """Edit your delegation's draft proposal (its text and note)."""

    template_name = "negotiations/proposal_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.proposal = _proposal_or_404(self.actor, kwargs["pk"])
        if "edit" not in proposal_actions(self.actor, self.proposal):
            raise PermissionDenied("Only the proposing delegation edits its proposal, as a draft.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        form = ProposalForm(
            initial={
                "body": self.proposal.body,
                "note": self.proposal.note,
                "base_version": self.proposal.base_version,
            }
        )
        return self.render(form)

    def post(self, request, pk):
        form = ProposalForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        table = request.POST.get("intent") == "table"
        try:
            with transaction.atomic():
                proposal = services.proposal_update(
                    actor=self.actor,
                    proposal=self.proposal,
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                )
                if table:
                    proposal = services.proposal_table(actor=self.actor, proposal=proposal)
        except InvalidBracketText as error:
            add_service_error(form, error)
            return self.render(form, status=400, bracket_errors=error.bracket_errors)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        except services.ProposalConflict as conflict:
            messages.error(request, str(conflict))
            return redirect("negotiations:proposal-detail", self.proposal.pk)
        messages.success(
            request,
            f"Proposal #{proposal.pk} tabled: every participant sees it."
            if table
            else f"Draft proposal #{proposal.pk} saved.",
        )
        return redirect("negotiations:proposal-detail", proposal.pk)

    def render(self, form, status: int = 200, **extra):
        proposal = self.proposal
        context = {
            "form": form,
            "proposal": proposal,
            "provision": proposal.provision,
            "agreement": proposal.agreement,
            "base_version": proposal.base_version,
            "check": text_check(proposal.agreement, form["body"].value() or ""),
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


class ProposalListView(LoginRequiredMixin, ListView):
    """An agreement's proposals (tabled ones, and your delegation's drafts), newest first,
    filtered by state, party or provision."""

    template_name = "negotiations/proposal_list.html"
    context_object_name = "proposals"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.agreement = get_object_or_404(agreement_list_for(self.actor), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        proposals = proposal_list_for(self.actor).filter(agreement=self.agreement)
        self.filters = ProposalFilter(self.request.GET, queryset=proposals, request=self.request)
        return self.filters.qs if self.filters.is_valid() else proposals.none()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            agreement=self.agreement,
            filters=self.filters,
            states=Proposal.State.choices,
            state=self.request.GET.get("state", ""),
        )
        return context


class ProposalDetailView(LoginRequiredMixin, View):
    """A proposal: its text, the diff against its base and against the current text, whether
    the base is stale and what incorporating it now would apply, its history, and the steps the
    reader may take."""

    def get(self, request, pk):
        actor = actor_for(request.user)
        proposal = _proposal_or_404(actor, pk)
        view = proposal_view(actor, proposal)
        context = {
            "proposal": proposal,
            "view": view,
            "agreement": proposal.agreement,
            "provision": proposal.provision,
            "text": rendered_text(proposal.body),
            "diff_base": mark_safe(diff.render_inline_html(view.ops_base)),
            "diff_current": mark_safe(diff.render_inline_html(view.ops_current)),
            "history": proposal_history_for(actor, proposal),
            "step_form": ProposalStepForm(),
        }
        return render(request, "negotiations/proposal_detail.html", context)


STEP_DONE = {
    "table": "tabled: every participant sees it",
    "incorporate": "incorporated into the text",
    "reject": "recorded as rejected",
    "withdraw": "withdrawn",
}


class ProposalStepView(LoginRequiredMixin, View):
    """One step on a proposal (table, incorporate, accept, reject, withdraw), by form post.
    Refused (403) for anyone the step is not for; the service checks again."""

    step = ""

    def post(self, request, pk):
        actor = actor_for(request.user)
        proposal = _proposal_or_404(actor, pk)
        form = ProposalStepForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_message(form))
            return redirect("negotiations:proposal-detail", proposal.pk)
        data = form.cleaned_data
        try:
            outcome = self.take(actor, proposal, data)
        except (services.ProposalConflict, services.ResolutionConflict) as conflict:
            messages.error(request, str(conflict))
        except VersionConflict as conflict:
            messages.error(request, f"{conflict} Look at the current text, then try again.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if self.step == "accept":
                messages.success(
                    request,
                    f"Proposal #{proposal.pk} is before the parties as resolution #{outcome.pk}: "
                    "it is accepted once every participant consents.",
                )
                return redirect("provisions:provision-detail", proposal.provision_id)
            messages.success(request, f"Proposal #{proposal.pk} {STEP_DONE[self.step]}.")
        return redirect("negotiations:proposal-detail", proposal.pk)

    def take(self, actor, proposal, data):
        if self.step == "table":
            return services.proposal_table(actor=actor, proposal=proposal)
        if self.step == "incorporate":
            return services.proposal_incorporate(
                actor=actor, proposal=proposal, expected_version=data["version"]
            )
        if self.step == "accept":
            return services.proposal_accept(actor=actor, proposal=proposal, note=data["note"])
        if self.step == "reject":
            return services.proposal_reject(actor=actor, proposal=proposal, reason=data["reason"])
        return services.proposal_withdraw(actor=actor, proposal=proposal, reason=data["reason"])
