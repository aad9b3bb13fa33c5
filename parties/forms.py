from django import forms

from .models import ApiToken
from .tokens import DEFAULT_LIFETIME_DAYS, LIFETIME_CHOICES_DAYS


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What a script uses it for, so you know which to revoke.",
    )
    lifetime_days = forms.TypedChoiceField(
        label="Valid for",
        choices=[(days, f"{days} days") for days in LIFETIME_CHOICES_DAYS],
        coerce=int,
        initial=DEFAULT_LIFETIME_DAYS,
    )
