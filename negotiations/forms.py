from django import forms

from agreement.models import Agreement, Chapter
from provisions.models import Provision

from .models import COMMENT_BODY_MAX_LENGTH, NOTE_MAX_LENGTH, Position, Visibility


class WatchForm(forms.Form):
    """Follow exactly one provision, chapter or agreement."""

    provision = forms.ModelChoiceField(queryset=Provision.objects.all(), required=False)
    chapter = forms.ModelChoiceField(queryset=Chapter.objects.all(), required=False)
    agreement = forms.ModelChoiceField(queryset=Agreement.objects.all(), required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=COMMENT_BODY_MAX_LENGTH,
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
    stance = forms.ChoiceField(
        label="Our stance",
        choices=Position.Stance.choices,
        error_messages={"required": "Choose a stance.", "invalid_choice": "Choose a stance."},
        help_text="Agree: consent to agree the text as shown (this version); it lapses if the "
        "text changes.",
    )
    note = forms.CharField(
        label="Note for all participants",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    internal_note = forms.CharField(
        label="Internal note (my delegation only)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The version of the text the page showed: an `agree` is consent to that text.
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class InRoomConsentForm(forms.Form):
    """The secretariat records a party's agreement given in the room, naming the meeting."""

    party = forms.ModelChoiceField(label="Party", queryset=None, empty_label="Choose a party…")
    meeting = forms.CharField(
        label="Meeting",
        max_length=200,
        help_text="Where the party agreed, e.g. 'Round 3 plenary, Brussels'",
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties


# --- Resolutions: removing brackets by consent --------------------------------------------------


class ResolutionProposeForm(forms.Form):
    """The provision's current text, from which the proposer removes brackets."""

    body = forms.CharField(
        label="The text once the brackets are removed",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true", "class": "text-editor"}),
        help_text="Remove brackets only: choose among alternatives, or make bracketed language "
        "common text. A change of words is a proposal.",
    )
    note = forms.CharField(
        label="Note for the parties",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shared with every participant, e.g. where the room agreed it.",
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ResolutionAnswerForm(forms.Form):
    """A party's answer on the resolution's version; for the secretariat, which party answered in
    which meeting."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    party = forms.ModelChoiceField(
        label="Party", queryset=None, required=False, empty_label="Choose a party…"
    )
    meeting = forms.CharField(
        label="Meeting",
        max_length=200,
        required=False,
        help_text="Where the party answered, e.g. 'Round 3 plenary, Brussels'",
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties


class ProposalForm(forms.Form):
    """A party's proposed text for a provision, written on the version it was read at."""

    body = forms.CharField(
        label="Proposed text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="The whole provision as your party proposes it, in bracket notation. What you "
        "change from the version you started from is the proposal; when incorporated, it is "
        "written in as your party's alternatives next to the language it replaces.",
    )
    note = forms.CharField(
        label="Explanatory note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why your party proposes it; shared with every participant once tabled.",
    )
    base_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput, required=False)


class ProposalStepForm(forms.Form):
    """What a step on a proposal may carry: a reason (required to reject), a note for the
    resolution that puts it to the parties, the current version the secretariat saw."""

    reason = forms.CharField(label="Reason", required=False, max_length=2000)
    note = forms.CharField(label="Note for the parties", required=False, max_length=NOTE_MAX_LENGTH)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput, required=False)
