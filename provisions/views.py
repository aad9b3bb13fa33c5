from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView

from agreement.selectors import agreement_list_for
from config.forms import add_service_error, form_errors_message
from negotiations import services as negotiation_services
from negotiations.forms import CommentForm, InRoomConsentForm, PositionForm
from negotiations.selectors import (
    comment_list_for,
    position_list_for,
    proposal_list_for,
    resolution_rows_for,
    watch_list_for,
)
from parties.access import Capability, actor_for, require
from parties.models import Party

from . import brackets, diff, merge, services, steps
from .filters import ProvisionFilter
from .forms import ProvisionEditForm, StatusForm, VersionPickForm
from .models import TEXT_FROZEN_STATUSES, Provision
from .selectors import (
    agree_consents,
    agree_consents_lacking,
    agree_state,
    presence_list,
    provision_diff,
    provision_get_for,
    provision_history,
    provision_list_for,
    provision_version_get,
    text_check,
    version_minerals,
)


def with_minerals(history) -> list[tuple[object, list[str] | None]]:
    """History rows (as `provision_history` reads them) paired with their minerals, for
    `_history_table.html`."""
    return [(record, version_minerals(record)) for record in history]


def rendered_text(body: str) -> dict:
    """The text as party-marked HTML, with its bracket count, for templates."""
    parsed = brackets.parse(body)
    # to_html escapes every piece of the text itself.
    return {
        "html": mark_safe(brackets.to_html(parsed.document)),
        "count": brackets.count_brackets(parsed.document),
    }


def redirect_to_detail(request, provision):
    """Back to the provision page; after an htmx request, a full-page navigation."""
    url = reverse("provisions:provision-detail", args=[provision.pk])
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


class ProvisionMixin(LoginRequiredMixin):
    """Loads the provision (404 outside the user's agreements) and the actor; a view that names a
    `required_capability` is refused (403) up front to roles without it. Services check again."""

    required_capability: Capability | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        self.provision = provision_get_for(self.actor, kwargs["pk"])
        if self.required_capability is not None:
            require(self.actor, self.required_capability)
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
        provision = self.provision
        positions = list(position_list_for(actor).filter(provision=provision))
        own_position = next((p for p in positions if actor.acts_for(p.party_id)), None)
        consents = agree_consents(provision)
        status_steps = (
            steps.steps_open_to(actor, provision, consents)
            if actor.can(Capability.SET_STATUS)
            else []
        )
        context.update(
            self.page_context(),
            text=rendered_text(provision.body),
            can_edit=actor.can(Capability.EDIT_TEXT)
            and provision.status not in TEXT_FROZEN_STATUSES,
            # Only the steps this actor may take now (`steps`): the service decides again.
            status_form=StatusForm(provision=provision, steps=status_steps)
            if status_steps
            else None,
            comment_form=CommentForm(can_keep_internal=actor.party is not None)
            if actor.can(Capability.COMMENT)
            else None,
            position_form=PositionForm(
                initial={
                    **(
                        model_to_dict(own_position, ["stance", "note", "internal_note"])
                        if own_position
                        else {}
                    ),
                    "version": provision.version,
                }
            )
            if actor.can(Capability.RECORD_POSITION) and actor.party
            else None,
            positions=[
                (p, actor.sees_delegation_material_of(p.party_id), agree_state(p, provision))
                for p in positions
            ],
            consents=consents,
            consents_lacking=agree_consents_lacking(consents),
            consent_form=InRoomConsentForm(
                parties=Party.objects.filter(pk__in=[c.party.pk for c in consents]),
                initial={"version": provision.version},
            )
            if actor.is_chair
            and consents
            and not provision.bracket_count
            and provision.status not in TEXT_FROZEN_STATUSES
            else None,
            comments=comment_list_for(actor).filter(provision=self.provision),
            history=with_minerals(provision_history(self.provision)[:10]),
            watch=watch_list_for(actor).filter(provision=self.provision).first(),
            resolutions=resolution_rows_for(actor, provision),
            proposals=proposal_list_for(actor).filter(provision=provision),
            # A party's lead or negotiators propose changes, to any language (the secretariat
            # incorporates them).
            can_propose=actor.party is not None
            and actor.role in {"lead", "negotiator"}
            and provision.status not in TEXT_FROZEN_STATUSES,
        )
        return context


@dataclass
class MergeScreen:
    """What the conflict screen shows: the three texts, their merge with the alternatives chosen,
    and each conflict (`index` in the merge, the `conflict`, whether the user's words were
    `added` as their party's alternative there)."""

    current: Provision
    base_version: int
    base: object | None  # the history row of base_version; None if there is no such version
    yours: str
    result: merge.MergeResult
    items: list[dict] = field(default_factory=list)
    alternatives: list[int] = field(default_factory=list)
    party: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def clean(self) -> bool:
        """No conflict left open: the merged text is ready to save as it stands."""
        return self.result.clean

    @property
    def open_conflicts(self) -> int:
        return len(self.result.conflicts)

    @property
    def alternative_label(self) -> str:
        """Whose alternative the user's words become: their party's (the chair's are unattributed)."""
        return f"{self.party}'s alternative" if self.party else "an unattributed alternative"

    @property
    def base_minerals(self) -> set[int] | None:
        if self.base is None or not self.base.minerals_recorded:
            return None
        return {link.mineral_id for link in self.base.mineral_links}

    @property
    def their_diff(self) -> str:
        """What was saved meanwhile: from the base version to the current one."""
        return self._diff(self.current.body)

    @property
    def your_diff(self) -> str:
        """What the user changed: from the base version to their text."""
        return self._diff(self.yours)

    def _diff(self, text: str) -> str:
        if self.base is None:
            return ""
        return mark_safe(diff.render_inline_html(diff.diff_text(self.base.body, text)))


def merge_screen(
    current: Provision,
    *,
    base_version: int,
    yours: str,
    alternatives,
    party: str | None,
    add_all: bool = False,
    note: str = "",
) -> MergeScreen:
    """Merge `yours` (an edit of version `base_version`) into the current text, then add the
    user's words as `party`'s alternative at the conflicts chosen (indices into the merge)."""
    try:
        base = provision_version_get(current, base_version)
    except Http404:
        base = None
        note = note or (
            f"Version {base_version} is not in this provision's history, so nothing could be "
            "merged: your text and the current one are shown whole."
        )
    merged = merge.merge("" if base is None else base.body, current.body, yours)
    conflicts = merged.conflicts
    chosen = range(len(conflicts)) if add_all else {i for i in alternatives if i < len(conflicts)}
    added = set()
    result = merged
    for index in sorted(chosen, reverse=True):  # later indices first: earlier ones keep theirs
        after = merge.add_mine_as_alternative(result, index, party=party)
        if len(after.conflicts) < len(result.conflicts):
            added.add(index)
        result = after
    return MergeScreen(
        current=current,
        base_version=base_version,
        base=base,
        yours=yours,
        result=result,
        items=[
            {"index": index, "conflict": conflict, "added": index in added}
            for index, conflict in enumerate(conflicts)
        ],
        alternatives=sorted(added),
        party=party,
        note=note,
    )


class ProvisionEditView(ProvisionMixin, View):
    """Edit the text. A stale version shows the conflict screen; what the user typed is never lost."""

    required_capability = Capability.EDIT_TEXT

    template_name = "provisions/provision_edit.html"

    def get(self, request, pk):
        return self.render(ProvisionEditForm.for_provision(self.provision))

    def post(self, request, pk):
        form = ProvisionEditForm(request.POST, provision=self.provision)
        if not form.is_valid():
            return self.render(form, status=400, merge=self.merge_kept(form))
        data = form.cleaned_data
        action = request.POST.get("merge_action", "")
        if action and data["base_version"] is not None:
            return self.rebuild_merge(form, action)
        changes = {"heading": data["heading"], "body": data["body"]}
        if set(data["minerals"]) != set(self.provision.minerals.all()):
            changes["minerals"] = data["minerals"]  # only then does the history say so
        try:
            saved = services.provision_update(
                actor=self.actor,
                provision=self.provision,
                expected_version=data["version"],
                reason=data["reason"],
                **changes,
            )
        except services.VersionConflict as conflict:
            return self.render_conflict(form, conflict)
        except services.NegotiationRuleViolation as refusal:
            # Nothing saved; the text stays in the editor beside what the rules refused (a merged
            # text too: the rules apply to a merge as to any edit). 409, as the edit conflicts
            # with the text's owners, so that htmx shows the answer in place like a stale edit.
            return self.render(
                form, status=409, rule_violations=refusal.changes, merge=self.merge_kept(form)
            )
        except services.InvalidBracketText as error:
            add_service_error(form, error)
            return self.render(
                form,
                status=400,
                bracket_errors=error.bracket_errors,
                merge=self.merge_kept(form),
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400, merge=self.merge_kept(form))
        messages.success(request, f"Saved Article {saved.number} as version {saved.version}.")
        return redirect_to_detail(request, saved)

    def render_conflict(self, form, conflict: services.VersionConflict):
        """The three-way merge of the version the user started from, the current one and the
        user's text, in the editor armed with the current version: saving it is a deliberate
        choice, and what either side wrote is shown."""
        data = form.cleaned_data
        screen = merge_screen(
            conflict.current,
            base_version=data["version"],
            yours=data["body"],
            alternatives=(),
            party=self.actor.party.code if self.actor.party else None,
        )
        return self.render(
            self.merged_form(data, screen), status=409, conflict=conflict, merge=screen
        )

    def rebuild_merge(self, form, action: str):
        """A button on the conflict screen: add (or take out) the user's words as their party's
        alternative at one conflict, or at all of them. Nothing is saved."""
        data = form.cleaned_data
        chosen = set(data["alternatives"])
        kind, _, index = action.partition(":")
        if kind == "add" and index.isdigit():
            chosen.add(int(index))
        elif kind == "undo" and index.isdigit():
            chosen.discard(int(index))
        elif kind != "add-all":
            form.add_error(None, f"Unknown conflict screen action {action!r}.")
            return self.render(form, status=400, merge=self.merge_kept(form))
        screen = self.merge_again(data, alternatives=chosen, add_all=kind == "add-all")
        return self.render(self.merged_form(data, screen), merge=screen)

    def merge_again(self, data: dict, *, alternatives, add_all: bool = False) -> "MergeScreen":
        """The merge the conflict screen showed, with the alternatives now chosen; or, if the
        provision was saved again since, the merge with that version (choices start afresh)."""
        note = ""
        if data["version"] != self.provision.version:
            alternatives, add_all = (), False
            note = (
                f"Version {self.provision.version} was saved meanwhile; the merge below includes "
                "it. Choose again where to add your words."
            )
        return merge_screen(
            self.provision,
            base_version=data["base_version"],
            yours=data["yours"],
            alternatives=alternatives,
            add_all=add_all,
            party=self.actor.party.code if self.actor.party else None,
            note=note,
        )

    def merged_form(self, data: dict, screen: "MergeScreen") -> ProvisionEditForm:
        """The editor holding the merge, armed with the current version. Heading and minerals
        merge too: what the user left as it was takes the current value."""
        initial = {
            **data,
            "body": screen.text,
            "version": screen.current.version,
            "base_version": screen.base_version,
            "yours": screen.yours,
            "alternatives": ",".join(map(str, screen.alternatives)),
        }
        if screen.base is not None:
            if data["heading"] == screen.base.heading:
                initial["heading"] = screen.current.heading
            base_minerals = screen.base_minerals
            if base_minerals is not None and {m.pk for m in data["minerals"]} == base_minerals:
                initial["minerals"] = list(screen.current.minerals.all())
        return ProvisionEditForm(provision=self.provision, initial=initial)

    def merge_kept(self, form) -> "MergeScreen | None":
        """The conflict screen again around a form sent from it that was refused (its text as
        sent stays in the editor)."""
        data = getattr(form, "cleaned_data", {})
        if data.get("base_version") is None or "yours" not in data:
            return None
        return self.merge_again(
            {"version": data.get("version"), **data}, alternatives=data.get("alternatives", ())
        )

    def render(self, form, status: int = 200, **extra):
        check = text_check(self.provision.agreement, form["body"].value() or "")
        context = self.page_context(form=form, check=check, **extra)
        template = "provisions/_edit_form.html" if self.request.htmx else self.template_name
        return render(self.request, template, context, status=status)


class ProvisionValidateView(ProvisionMixin, View):
    """Live check of a draft while it is typed: errors with line and column, or the bracket count."""

    required_capability = Capability.EDIT_TEXT

    def post(self, request, pk):
        check = text_check(self.provision.agreement, request.POST.get("body", ""))
        return render(request, "provisions/_validation.html", {"check": check})


class ProvisionStatusView(ProvisionMixin, View):
    required_capability = Capability.SET_STATUS

    def post(self, request, pk):
        form = StatusForm(request.POST, provision=self.provision)
        if not form.is_valid():
            messages.error(request, form_errors_message(form))
            return redirect_to_detail(request, self.provision)
        try:
            saved = services.provision_set_status(
                actor=self.actor,
                provision=self.provision,
                status=form.cleaned_data["status"],
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.VersionConflict as conflict:
            messages.error(
                request, f"{conflict} Look at the latest version, then change the status again."
            )
            return redirect_to_detail(request, self.provision)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect_to_detail(request, self.provision)
        messages.success(
            request, f"Article {saved.number} is now {saved.get_status_display().lower()}."
        )
        return redirect_to_detail(request, saved)


class ProvisionCommentView(ProvisionMixin, View):
    """Post a comment, shared or for the author's delegation only."""

    required_capability = Capability.COMMENT

    def post(self, request, pk):
        form = CommentForm(request.POST, can_keep_internal=self.actor.party is not None)
        if not form.is_valid():
            # Some text too long is told as such; no text gets the plain request for some.
            too_long = form.data.get("body") and form.errors.get("body")
            messages.error(
                request,
                " ".join(too_long)
                if too_long
                else "A comment needs some text, shown to all participants or to your delegation.",
            )
            return redirect_to_detail(request, self.provision)
        try:
            negotiation_services.comment_create(
                actor=self.actor,
                provision=self.provision,
                provision_version=self.provision.version,
                **form.cleaned_data,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect_to_detail(request, self.provision)
        audience = (
            "your delegation"
            if form.cleaned_data["visibility"] == "delegation"
            else "all participants"
        )
        messages.success(request, f"Comment posted, visible to {audience}.")
        return redirect_to_detail(request, self.provision)


class ProvisionPositionView(ProvisionMixin, View):
    """A lead records their own party's position on the provision."""

    required_capability = Capability.RECORD_POSITION

    def post(self, request, pk):
        form = PositionForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors_message(form))
            return redirect_to_detail(request, self.provision)
        data = dict(form.cleaned_data)
        try:
            position = negotiation_services.position_record(
                actor=self.actor,
                provision=self.provision,
                party=self.actor.party,
                seen_version=data.pop("version"),
                **data,
            )
        except services.VersionConflict as stale:
            messages.error(request, str(stale))
            return redirect_to_detail(request, self.provision)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect_to_detail(request, self.provision)
        recorded = position.get_stance_display()
        if position.stance == "agree":
            recorded += f" (version {position.provision_version})"
        messages.success(request, f"{position.party.code} position recorded: {recorded}.")
        return redirect_to_detail(request, self.provision)


class ProvisionConsentView(ProvisionMixin, View):
    """The secretariat records a party's agreement to the text given in the room, naming the
    meeting. Everyone else records their own party's position instead (403 here)."""

    def post(self, request, pk):
        if not self.actor.is_chair:
            raise PermissionDenied(
                "Only the secretariat records a party's agreement given in the room."
            )
        consents = agree_consents(self.provision)
        form = InRoomConsentForm(
            request.POST, parties=Party.objects.filter(pk__in=[c.party.pk for c in consents])
        )
        if not form.is_valid():
            messages.error(
                request, "Choose a participating party and name the meeting where it agreed."
            )
            return redirect_to_detail(request, self.provision)
        data = form.cleaned_data
        try:
            position = negotiation_services.position_record(
                actor=self.actor,
                provision=self.provision,
                party=data["party"],
                stance="agree",
                seen_version=data["version"],
                meeting=data["meeting"],
            )
        except services.VersionConflict as stale:
            messages.error(request, str(stale))
            return redirect_to_detail(request, self.provision)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect_to_detail(request, self.provision)
        messages.success(
            request,
            f"Recorded: {position.party.code} agreed version {position.provision_version} "
            f"({position.meeting}).",
        )
        return redirect_to_detail(request, self.provision)


class ProvisionPresenceView(ProvisionMixin, View):
    """Renews the caller's lease on the page and answers who else is there (polled every 15 s)."""

    def post(self, request, pk):
        services.presence_touch(
            actor=self.actor, provision=self.provision, editing=request.GET.get("editing") == "1"
        )
        others = presence_list(self.provision, excluding_user_id=request.user.pk)
        return render(request, "provisions/_presence.html", {"others": others})


class ProvisionHistoryView(ProvisionMixin, View):
    """Every version with author, party, time, reason, status, brackets and minerals; pick two
    to compare."""

    page_size = 50

    def get(self, request, pk):
        versions = provision_history(self.provision).defer("body")
        page = Paginator(versions, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "provisions/provision_history.html",
            self.page_context(
                history=with_minerals(page.object_list),
                page_obj=page,
                is_paginated=page.has_other_pages(),
            ),
        )


class ProvisionCompareView(ProvisionMixin, View):
    """Two versions side by side or inline, with heading, status and category changes."""

    def get(self, request, pk):
        provision = self.provision
        defaults = {
            "from_version": max(provision.version - 1, 1),
            "to_version": provision.version,
            "view": "inline",
        }
        form = VersionPickForm({**defaults, **request.GET.dict()}, latest=provision.version)
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
