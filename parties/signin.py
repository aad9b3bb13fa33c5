"""How django-allauth signs people in here: no self sign-up; accounts come from the secretariat."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context

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
