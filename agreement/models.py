from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models

from parties.models import Party

hs_code_validator = RegexValidator(
    r"^\d{4}(\.\d{2}){0,2}$", "An HS code is a heading (2825) or subheading (2825.20, 2825.20.10)."
)


# An agreement's description: its scope and purpose, in a few pages at most.
DESCRIPTION_MAX_LENGTH = 10_000


class Agreement(models.Model):
    class Status(models.TextChoices):
        SCOPING = "scoping", "Scoping"
        NEGOTIATING = "negotiating", "Negotiating"
        CONCLUDED = "concluded", "Concluded"

    title = models.CharField(max_length=300, unique=True)
    short_title = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCOPING)
    description = models.TextField(
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    parties = models.ManyToManyField(Party, through="Participation", related_name="agreements")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.short_title or self.title


class Participation(models.Model):
    """A party taking part in the agreement's negotiation, from a date, as participant or observer."""

    class Standing(models.TextChoices):
        PARTICIPANT = "participant", "Participant"
        OBSERVER = "observer", "Observer"

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="participations"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="participations")
    joined_on = models.DateField()
    standing = models.CharField(
        max_length=16, choices=Standing.choices, default=Standing.PARTICIPANT
    )

    class Meta:
        ordering = ["agreement", "joined_on", "party__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party"], name="one_participation_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party.code} in {self.agreement} ({self.standing})"


class Chapter(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"Chapter {self.number}: {self.title}"


def validate_hs_codes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("HS codes are a list of strings.")
    for code in value:
        hs_code_validator(code)


class Mineral(models.Model):
    """A critical mineral covered by the agreement, with the HS codes that identify it in trade."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="minerals")
    name = models.CharField(max_length=120)
    hs_codes = models.JSONField(default=list, blank=True, validators=[validate_hs_codes])

    class Meta:
        ordering = ["agreement", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "name"], name="mineral_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """One request for the consolidated text in one format, built in the background.

    The row records who received which file (its SHA-256) and the marking printed in it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        HTML = "html", "HTML"
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        MD = "md", "Markdown"
        TXT = "txt", "Plain text"
        JSON = "json", "JSON"
        AKN = "akn", "Akoma Ntoso XML"

    class Variant(models.TextChoices):
        NEGOTIATING = "negotiating", "Negotiating text (brackets with attribution)"
        AGREED = "agreed", "Agreed text only"
        REDLINE = "redline", "Redline (changes since a base point)"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    format = models.CharField(max_length=8, choices=Format.choices)
    variant = models.CharField(max_length=16, choices=Variant.choices)
    as_of = models.DateTimeField(help_text="The moment the text is read from")
    as_of_label = models.CharField(max_length=120)
    base_at = models.DateTimeField(null=True, blank=True, help_text="Redline: changes since")
    base_label = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    marking = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Worker loss: a run claims the job by writing its own lease token; only the holder of the
    # lease may report progress or finish. `attempts` counts the runs started, `queued_at` is when
    # the latest message for the job was sent (see services.export_sweep).
    lease = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs started: above 1 when a worker was lost and another took over"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk}: {self.get_variant_display()} as {self.format}"

    @property
    def restarted(self) -> bool:
        """A run of this job lost its worker and the job was queued again."""
        return self.attempts > (0 if self.status == self.Status.QUEUED else 1)
