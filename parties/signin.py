"""How django-allauth signs people in here: no self sign-up; accounts come from the secretariat."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
