"""How django-allauth signs people in here: no self sign-up; accounts come from the secretariat."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.views import PasswordChangeView as AllauthPasswordChangeView
from allauth.core import context
from django.http import Http404

from config.security import client_address

from .two_factor import signed_in_recently


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        if app == "allauth.mfa" and signed_in_recently(context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def pre_authenticate(self, request, **credentials) -> None:
        # Wrong passwords are counted by django-axes alone (parties/lockout.py: one throttle, kept in
        # the database). allauth's own "login_failed" rate stays: it guards the two-factor code step.
        pass

    def get_client_ip(self, request) -> str:
        # allauth's own rates (sign-in posts, two-factor codes) count the same client as axes does.
        return client_address(request) or super().get_client_ip(request)


class PasswordChangeView(AllauthPasswordChangeView):
    """allauth's password change. An account with no password (made by agency sign-in) answers
    404 instead of being sent to set one: a password of its own would let it sign in without its
    agency, which may have removed the person meanwhile. The secretariat can give it one."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            raise Http404("This account signs in through its agency and has no password here.")
        return super().dispatch(request, *args, **kwargs)
