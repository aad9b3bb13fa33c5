from django import forms

from .models import STATUS_TRANSITIONS, Provision, Status



class ProvisionEditForm(forms.Form):
    """Edit text and heading; `version` is the version the form was opened on."""

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
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    @classmethod
    def for_provision(cls, provision: Provision) -> "ProvisionEditForm":
        return cls(
            initial={
                "heading": provision.heading,
                "body": provision.body,
                "version": provision.version,
            }
        )


class VersionPickForm(forms.Form):
    """Two versions of a provision and how to show the difference."""

    from_version = forms.TypedChoiceField(label="From version", coerce=int)
    to_version = forms.TypedChoiceField(label="To version", coerce=int)
    view = forms.ChoiceField(
        label="Show",
        choices=[("inline", "Inline"), ("side", "Side by side")],
        initial="inline",
        widget=forms.RadioSelect,
    )


    def __init__(self, *args, versions: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v, f"Version {v}") for v in versions]
        self.fields["from_version"].choices = choices
        self.fields["to_version"].choices = choices


class StatusForm(forms.Form):
    """A lead moves the provision to one of the statuses allowed from where it stands."""

    status = forms.ChoiceField(label="Move to")
    reason = forms.CharField(label="Reason", max_length=500, required=False)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, provision: Provision, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS[provision.status]
        self.fields["status"].choices = [(value, label) for value, label in Status.choices if value in allowed]
        self.initial.setdefault("version", provision.version)
