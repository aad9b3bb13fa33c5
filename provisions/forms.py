from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from agreement.models import Mineral

from .models import STATUS_TRANSITIONS, Provision, Status


class ProvisionEditForm(forms.Form):
    """Edit text, heading and covered minerals; `version` is the version the form was opened on."""

    heading = forms.CharField(max_length=300)
    body = forms.CharField(
        label="Negotiating text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true", "class": "text-editor"}),
        help_text="Bracket notation: [text], [US: text], [EU, JP: text]; a blank line separates paragraphs.",
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=500,
        required=False,
        help_text="Recorded in the history. Left empty, the changed fields are named.",
    )
    minerals = forms.ModelMultipleChoiceField(
        label="Minerals covered",
        queryset=Mineral.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    # The conflict screen's state, sent back by its buttons: the version the user's edit started
    # from, their text as they wrote it, and the conflicts (indices into the merge) where their
    # words were added as their party's alternative.
    base_version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    yours = forms.CharField(
        label="Your text as you wrote it",
        required=False,
        strip=False,
        max_length=settings.PROVISION_BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8, "readonly": True, "class": "text-editor"}),
    )
    alternatives = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args, provision: Provision, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minerals"].queryset = Mineral.objects.filter(agreement=provision.agreement_id)

    # A browser sends a textarea's line breaks as CRLF when it posts the form itself, LF when
    # htmx posts it (from the element's value): one text, whichever way it came. Stored texts use
    # LF, and the negotiation rules compare texts character by character.
    def clean_body(self) -> str:
        return self.cleaned_data["body"].replace("\r\n", "\n")

    def clean_yours(self) -> str:
        return self.cleaned_data["yours"].replace("\r\n", "\n")

    def clean_alternatives(self) -> list[int]:
        value = self.cleaned_data["alternatives"]
        items = [item.strip() for item in value.split(",") if item.strip()]
        if not all(item.isascii() and item.isdigit() and len(item) <= 6 for item in items):
            raise forms.ValidationError("Conflict numbers separated by commas, e.g. 0,2.")
        return sorted({int(item) for item in items})

    @classmethod
    def for_provision(cls, provision: Provision) -> "ProvisionEditForm":
        return cls(
            provision=provision,
            initial={
                "heading": provision.heading,
                "body": provision.body,
                "minerals": list(provision.minerals.all()),
                "version": provision.version,
            },
        )


class VersionPickForm(forms.Form):
    """Two versions of a provision and how to show the difference.

    Number fields, not pick lists: a provision may have thousands of versions.
    """

    from_version = forms.IntegerField(label="From version", min_value=1)
    to_version = forms.IntegerField(label="To version", min_value=1)
    view = forms.ChoiceField(
        label="Show",
        choices=[("inline", "Inline"), ("side", "Side by side")],
        initial="inline",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, latest: int, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from_version", "to_version"):
            field = self.fields[name]
            field.max_value = latest
            field.validators.append(MaxValueValidator(latest))
            field.widget.attrs.update({"min": 1, "max": latest})


class StatusForm(forms.Form):
    """A lead moves the provision to one of the statuses allowed from where it stands."""

    status = forms.ChoiceField(
        label="Move to",
        error_messages={
            "required": "Choose one of the statuses offered.",
            "invalid_choice": "Choose one of the statuses offered.",
        },
    )
    reason = forms.CharField(label="Reason", max_length=500, required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, provision: Provision, steps: list[str] | None = None, **kwargs):
        """`steps`: the statuses to offer (those the viewer may take, `steps.steps_open_to`);
        by default every step the path allows, for reading a submitted form: the service
        decides whether its sender may take it."""
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS[provision.status] if steps is None else steps
        # No status preselected: a lead picks one on purpose (some steps go backwards).
        self.fields["status"].choices = [("", "Choose a status…")] + [
            (value, label) for value, label in Status.choices if value in allowed
        ]
        self.initial.setdefault("version", provision.version)
