from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView

from parties.access import actor_for

from . import services
from .forms import WatchForm
from .models import Notification
from .selectors import watch_list_for


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
        return Notification.objects.filter(recipient_id=self.request.user.pk).select_related(
            "provision"
        )


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
