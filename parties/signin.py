"""How django-allauth signs people in here: no self sign-up; accounts come from the secretariat."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context

from .two_factor import signed_in_recently


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        if app == "allauth.mfa" and signed_in_recently(context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)
