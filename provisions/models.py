import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from agreement.models import Agreement, Chapter, Mineral
from parties.models import Party, PartyStampedHistory


class Category(models.TextChoices):
    """Provision categories, following the US-EU action plan."""

    TRADE_MEASURES = (
        "trade_measures",
        "Trade measures (price floors, standards-based markets, price-gap subsidies, offtake)",
    )
    STANDARDS = "standards", "Standards for mining, processing, recycling and trade"
    REGULATORY_COOPERATION = "regulatory_cooperation", "Technical and regulatory cooperation"
    INVESTMENT = "investment", "Investment promotion and screening"
    RAPID_RESPONSE = "rapid_response", "Coordinated rapid response"
    RESEARCH = "research", "Research and development"
    STOCKPILING = "stockpiling", "Stockpiling cooperation"
    INSTITUTIONAL = "institutional", "Institutional provisions"
    FINAL = "final", "Final provisions"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    TABLED = "tabled", "Tabled"
    UNDER_NEGOTIATION = "under_negotiation", "Under negotiation"
    AGREED_AD_REFERENDUM = "agreed_ad_referendum", "Agreed ad referendum"
    AGREED = "agreed", "Agreed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The steps a provision may take; anything else is refused with the allowed steps named.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.TABLED, Status.WITHDRAWN}),
    Status.TABLED: frozenset({Status.DRAFT, Status.UNDER_NEGOTIATION, Status.WITHDRAWN}),
    Status.UNDER_NEGOTIATION: frozenset(
        {Status.AGREED_AD_REFERENDUM, Status.AGREED, Status.WITHDRAWN}
    ),
    Status.AGREED_AD_REFERENDUM: frozenset(
        {Status.AGREED, Status.UNDER_NEGOTIATION, Status.WITHDRAWN}
    ),
    Status.AGREED: frozenset({Status.UNDER_NEGOTIATION}),
    Status.WITHDRAWN: frozenset({Status.DRAFT}),
}
AGREED_STATUSES = frozenset({Status.AGREED_AD_REFERENDUM, Status.AGREED})
# Text is frozen in these states: reopen (under negotiation) or reinstate (draft) first.
TEXT_FROZEN_STATUSES = AGREED_STATUSES | {Status.WITHDRAWN}


class ProvisionQuerySet(models.QuerySet):
    def in_agreement(self, agreement: Agreement | int) -> "ProvisionQuerySet":
        return self.filter(agreement=agreement)

    def in_reading_order(self) -> "ProvisionQuerySet":
        return self.order_by("chapter__number", "order", "id")


class MineralsRecordedHistory(models.Model):
    """Extra column on provision history rows: whether the row records the version's minerals.

    Rows written before minerals were recorded have no mineral rows, which must read as "not
    known" rather than "none": a version may well cover no mineral at all.
    """

    minerals_recorded = models.BooleanField(
        default=True, help_text="False on versions written before minerals were recorded"
    )

    class Meta:
        abstract = True


class VersionIndexedHistory(HistoricalRecords):
    """History read a version at a time, or a page of versions newest first: indexed by
    (provision, version) so that neither reads every version of a provision with 10,000."""

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        by_version = models.Index(
            fields=["id", "version", "history_id"], name=f"{model._meta.model_name}_version_idx"
        )
        options["indexes"] = [*options.get("indexes", ()), by_version]
        return options


# Named at module level too: provision_create writes a provision's first history row itself, once
# its minerals are in place (they need the provision's id), instead of leaving it to save().
PROVISION_HISTORY = VersionIndexedHistory(
    bases=[PartyStampedHistory, MineralsRecordedHistory],
    m2m_fields=["minerals"],
    # Reasons name proposals, resolutions and every consent: no length to cut them at.
    history_change_reason_field=models.TextField(null=True),
)


class Provision(models.Model):
    """An article of the agreement: its bracketed negotiating text, status and full history."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="provisions")
    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="provisions")
    number = models.CharField(max_length=20, help_text="Article number as cited, e.g. 3.2")
    order = models.PositiveIntegerField(default=0, help_text="Position within the chapter")
    heading = models.CharField(max_length=300)
    category = models.CharField(max_length=32, choices=Category.choices)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    proposed_by = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="proposed_provisions", null=True, blank=True
    )
    body = models.TextField(blank=True, help_text="Negotiating text in bracket notation")
    bracket_count = models.PositiveIntegerField(default=0, editable=False)
    minerals = models.ManyToManyField(Mineral, blank=True, related_name="provisions")
    version = models.PositiveIntegerField(default=1, editable=False)
    text_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="The version at which the body, heading or minerals last changed: consents "
        "given on an earlier version are stale",
    )
    ever_tabled = models.BooleanField(
        default=False,
        editable=False,
        help_text="Set once it is first tabled (or tabled from a consolidated text): from then on "
        "its proposing party no longer drafts it freely, even if it goes back to draft",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = PROVISION_HISTORY
    objects = ProvisionQuerySet.as_manager()

    class Meta:
        ordering = ["chapter__number", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="provision_number_unique")
        ]

    def __str__(self) -> str:
        return f"Article {self.number}: {self.heading}"


# A page renews its lease every 15 seconds; three missed renewals and the user has left.
PRESENCE_LEASE = datetime.timedelta(seconds=45)


# The history tables simple-history builds: a row per version, and a row per mineral it covered.
HistoricalProvision = Provision.history.model
HistoricalProvisionMineral = HistoricalProvision.minerals.model


class Presence(models.Model):
    """Who has a provision open, and since when they are editing it: a lease renewed by the page.

    Rows are kept per user and provision and simply go stale; readers only count recent ones.
    """

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=120, help_text="e.g. 'EU · eu-negotiator'")
    editing_since = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provision", "user"], name="one_presence_per_user")
        ]
        indexes = [models.Index(fields=["provision", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.label} on {self.provision_id}"
