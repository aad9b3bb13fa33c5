import datetime

from django import forms
from django.utils import timezone

from .models import ExportJob


class ExportForm(forms.Form):
    """What to export: variant, format, point in time (now, a round's close or a date), base."""

    variant = forms.ChoiceField(
        choices=ExportJob.Variant.choices, initial=ExportJob.Variant.NEGOTIATING
    )
    format = forms.ChoiceField(choices=ExportJob.Format.choices, initial=ExportJob.Format.PDF)
    point = forms.ChoiceField(label="Text as of", initial="now")
    as_of_date = forms.DateField(
        label="Date (end of day, UTC)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    base_round = forms.ChoiceField(label="Redline: changes since", required=False)

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.rounds = {str(r.pk): r for r in rounds}
        round_choices = [
            (pk, f"Close of Round {r.number} ({r.venue})") for pk, r in self.rounds.items()
        ]
        self.fields["point"].choices = [("now", "Now"), *round_choices, ("date", "A date…")]
        self.fields["base_round"].choices = [("", "—"), *round_choices]
        if round_choices:  # a redline most often shows what changed since the last round
            self.fields["base_round"].initial = round_choices[-1][0]

    def clean(self):
        data = super().clean()
        if data.get("point") == "date" and not data.get("as_of_date"):
            self.add_error("as_of_date", "Choose the date the text is read at.")
        redline = data.get("variant") == ExportJob.Variant.REDLINE
        if redline and not data.get("base_round"):
            self.add_error(
                "base_round",
                "A redline shows the changes since a round's close: choose that round."
                if self.rounds
                else "A redline shows the changes since a round's close, and no round is closed yet.",
            )
        return data

    def service_arguments(self) -> dict:
        """The form's answers as export_request arguments (the service checks the rules)."""
        data = self.cleaned_data
        arguments = {"format": data["format"], "variant": data["variant"]}
        if data["point"] == "date":
            end_of_day = datetime.datetime.combine(
                data["as_of_date"], datetime.time.max, tzinfo=datetime.UTC
            )
            arguments["as_of"] = min(end_of_day, timezone.now())
        elif data["point"] != "now":
            arguments["round"] = self.rounds[data["point"]]
        if data["variant"] == ExportJob.Variant.REDLINE:
            arguments["base_round"] = self.rounds[data["base_round"]]
        return arguments
