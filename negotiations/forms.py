from django import forms

from agreement.models import Agreement, Chapter
from provisions.models import Provision

from .models import Position, Visibility


class WatchForm(forms.Form):
    """Follow exactly one provision, chapter or agreement."""

    provision = forms.ModelChoiceField(queryset=Provision.objects.all(), required=False)
    chapter = forms.ModelChoiceField(queryset=Chapter.objects.all(), required=False)
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.all(), required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=Visibility.choices,
        initial=Visibility.SHARED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, can_keep_internal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_keep_internal:  # the secretariat has no delegation to keep a comment within
            self.fields["visibility"].choices = [(Visibility.SHARED, Visibility.SHARED.label)]


class PositionForm(forms.Form):
    stance = forms.ChoiceField(label="Our stance", choices=Position.Stance.choices)
    note = forms.CharField(
        label="Note for all participants", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    internal_note = forms.CharField(
        label="Internal note (my delegation only)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
