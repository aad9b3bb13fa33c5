import csv
import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.generic import ListView

from config.forms import add_service_error

from .access import Capability, actor_for
from .filters import AuditEntryFilter
from .forms import ApiTokenForm
from .lockout import account_unlock, locked_accounts
from .models import AuditEntry, Party
from .selectors import audit_entries_for, audit_entries_may_read
from .tokens import api_token_create, api_token_list_for, api_token_revoke


@require_GET
@cache_control(max_age=300)
def party_colours_css(request) -> HttpResponse:
    """Each party's display colour as a CSS class, so bracket markup carries no inline style."""
    rules = [
        f".party-{code.lower()} {{ --party-colour: {colour}; }}"
        for code, colour in Party.objects.values_list("code", "colour")
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css")


class AuditLogMixin(LoginRequiredMixin):
    """The audit entries the signed-in user may read, filtered; anyone who may read none gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        if not audit_entries_may_read(self.actor):
            raise PermissionDenied("The audit log is for the secretariat and delegation leads.")
        self.filters = AuditEntryFilter(
            request.GET,
            queryset=audit_entries_for(self.actor),
            with_party=self.actor.is_secretariat,
        )
        return super().dispatch(request, *args, **kwargs)

    def entries(self):
        return self.filters.qs if self.filters.is_valid() else self.filters.queryset.none()


class AuditLogView(AuditLogMixin, ListView):
    """Sign-ins, lockouts, tokens, memberships, exports and comment removals, newest first."""

    template_name = "parties/audit_log.html"
    context_object_name = "entries"
    paginate_by = 100

    def get_queryset(self):
        return self.entries()

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(filters=self.filters, query=query.urlencode(), **kwargs)

    def render_to_response(self, context, **kwargs):
        status = 200 if self.filters.is_valid() else 400
        return super().render_to_response(context, status=status, **kwargs)


CSV_COLUMNS = {
    "at": "When (UTC)",
    "kind": "Event",
    "username": "Username",
    "party_code": "Party",
    "actor_username": "By",
    "client_address": "Client address",
    "detail": "Detail",
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A typed username or a comment's words could start a spreadsheet formula.
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


class AuditLogExportView(AuditLogMixin, View):
    """Every entry the filters match, as CSV, streamed in chunks: one query, whatever the count."""

    def get(self, request):
        if not self.filters.is_valid():
            return HttpResponseBadRequest(
                "; ".join(
                    f"{name}: {' '.join(errors)}" for name, errors in self.filters.errors.items()
                )
            )
        kinds = dict(AuditEntry.Kind.choices)
        rows = self.entries().values_list(*CSV_COLUMNS).iterator(chunk_size=2000)
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(CSV_COLUMNS.values())
            for at, kind, *rest in rows:
                yield writer.writerow(
                    [at.astimezone(datetime.UTC).isoformat(), kinds.get(kind, kind)]
                    + [_cell(value) for value in rest]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response


@method_decorator(never_cache, name="dispatch")  # the answer to a creation holds the key
class ApiTokenListView(LoginRequiredMixin, View):
    """The signed-in user's API tokens: make one (its key is in that one answer only), revoke one."""

    template_name = "parties/api_token_list.html"

    def dispatch(self, request, *args, **kwargs):
        self.actor = actor_for(request.user)
        return super().dispatch(request, *args, **kwargs)

    def render(self, form: ApiTokenForm, *, status: int = 200, **extra) -> HttpResponse:
        context = {"form": form, "tokens": api_token_list_for(self.actor), "now": timezone.now()}
        return render(self.request, self.template_name, context | extra, status=status)

    def get(self, request):
        return self.render(ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            token, key = api_token_create(actor=self.actor, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form, status=400)
        return self.render(ApiTokenForm(), created=token, key=key)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, token_key: str):
        actor = actor_for(request.user)
        # Another user's token is not found: nobody learns which keys exist.
        token = get_object_or_404(api_token_list_for(actor), token_key=token_key)
        api_token_revoke(actor=actor, token=token, request=request)
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
        return redirect("parties:api-tokens")


class LockedAccountsView(LoginRequiredMixin, View):
    """The secretariat's list of accounts locked at sign-in, each with an Unlock button."""

    template_name = "parties/locked_accounts.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = actor_for(request.user)
        if not self.actor.can(Capability.ADMINISTER):
            raise PermissionDenied("Only the secretariat unlocks accounts.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *, error: str = "", status: int = 200):
        context = {"accounts": locked_accounts(), "error": error}
        return render(request, self.template_name, context, status=status)

    def post(self, request):
        username = request.POST.get("username", "")
        try:
            failures = account_unlock(actor=self.actor, username=username, request=request)
        except ValidationError as error:
            return self.get(request, error=" ".join(error.messages), status=400)
        messages.success(request, f"“{username}” unlocked: {failures} failed sign-ins forgotten.")
        return redirect("parties:locked-accounts")
