from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

party_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]{1,7}$",
    "A party code is 2-8 capital letters or digits, starting with a letter.",
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is written #rrggbb.")


class Party(models.Model):
    """A contracting party (or prospective one): the United States, the European Union, ..."""

    class Kind(models.TextChoices):
        STATE = "state", "State"
        REGIONAL_ORGANISATION = (
            "regional_organisation",
            "Regional economic integration organisation",
        )
        CUSTOMS_TERRITORY = "customs_territory", "Separate customs territory"

    code = models.CharField(max_length=8, unique=True, validators=[party_code_validator])
    name = models.CharField(max_length=200)
    lead_agency = models.CharField(max_length=200, help_text="e.g. USTR, DG TRADE")
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.STATE)
    colour = models.CharField(max_length=7, validators=[colour_validator], default="#5a6b7b")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Membership(models.Model):
    """The one party a user belongs to, and the role they hold in its delegation."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead negotiator"
        NEGOTIATOR = "negotiator", "Negotiator"
        REVIEWER = "reviewer", "Reviewer"
        OBSERVER = "observer", "Observer"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["party__code", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} — {self.party.code} {self.get_role_display()}"


class PartyStampedHistory(models.Model):
    """Extra column on history rows: the author's party when the row was written.

    A delegate may later move to another delegation; the record must still say on whose
    behalf each version was written.
    """

    history_party = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        abstract = True
