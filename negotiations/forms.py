from django import forms

from agreement.models import Agreement, Chapter
from provisions.models import Provision


class WatchForm(forms.Form):
    """Follow exactly one provision, chapter or agreement."""

    provision = forms.ModelChoiceField(queryset=Provision.objects.all(), required=False)
    chapter = forms.ModelChoiceField(queryset=Chapter.objects.all(), required=False)
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.all(), required=False)
