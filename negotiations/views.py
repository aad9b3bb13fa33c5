from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from agreement.selectors import agreement_list_for
from config.forms import add_service_error
from parties.access import Capability, actor_for
from provisions.compare import summarize
from provisions.models import Provision, Status
from provisions.selectors import agreement_compare, provision_snapshots_as_of
from provisions.services import InvalidBracketText
from provisions.views import ProvisionMixin, redirect_to_detail, rendered_text

from . import services
from .filters import ActionItemFilter
from .forms import ResolutionAnswerForm, ResolutionProposeForm, WatchForm
from .progress import agreement_progress
from .selectors import (
    action_item_list_for,
    notification_list_for,
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
