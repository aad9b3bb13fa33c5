from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from simple_history.models import HistoricalRecords

from agreement.models import Agreement
from parties.models import Party, PartyStampedHistory
from provisions.models import Provision


class Round(models.Model):
    """A negotiating round. Its close fixes the moment from which 'the text as of round N' is read."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    venue = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="round_number_unique")
        ]

    def __str__(self) -> str:
        return f"Round {self.number} ({self.venue})"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A round cannot end before it starts."})


# Free text beside the negotiating text, each with a limit the forms and the API share (400
# naming the field beyond it): a note on a position, a proposal or a resolution; an action item's
# description. Long enough for a reasoned page; short enough to list, mail and store.
NOTE_MAX_LENGTH = 5_000
DESCRIPTION_MAX_LENGTH = 10_000


class Position(models.Model):
    """One party's stance on one provision. The internal note never leaves that delegation."""

    class Stance(models.TextChoices):
        SUPPORT = "support", "Support"
        RESERVE = "reserve", "Reserve"
        STUDY_RESERVE = "study_reserve", "Study reserve"
        OPPOSE = "oppose", "Oppose"
        NO_POSITION = "no_position", "No position"
        # Consent to agree the text: it counts only while the text is the one it was given on.
        AGREE = "agree", "Agree"

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="positions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="positions")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    note = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text="Shared with all participants",
    )
    internal_note = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text="Seen by this delegation only",
    )
    provision_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The provision version the stance was given on"
    )
    meeting = models.CharField(
        max_length=200,
        blank=True,
        help_text="Set when the secretariat recorded a consent given in the room: which meeting",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        bases=[PartyStampedHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["provision", "party__code"]
        constraints = [
            models.UniqueConstraint(fields=["provision", "party"], name="one_position_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party.code} on {self.provision.number}: {self.get_stance_display()}"


class Visibility(models.TextChoices):
    SHARED = "shared", "All participants"
    DELEGATION = "delegation", "My delegation only"


# Long enough for a delegation's reasoned note on an article; short enough that one comment cannot
# fill a page, an e-mail or the database.
COMMENT_BODY_MAX_LENGTH = 20_000


class CommentQuerySet(models.QuerySet):
    def present(self):
        """Comments not removed: a removed comment is hidden from everyone, kept with its history."""
        return self.filter(deleted_at__isnull=True)

    def visible_to_party(self, party_id: int | None, *, sees_delegation_material: bool):
        """Shared comments, plus the party's own delegation-only ones when the reader may see them."""
        shared = models.Q(visibility=Visibility.SHARED)
        if not sees_delegation_material or party_id is None:
            return self.filter(shared)
        return self.filter(shared | models.Q(visibility=Visibility.DELEGATION, party_id=party_id))


class Comment(models.Model):
    """A remark on a provision. Its audience (visibility) is fixed when it is written; edits keep
    the earlier words in history, and removing one hides it (`deleted_at`), never erases it."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="comments")
    provision_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version commented on, if any"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="comments",
        null=True,
        blank=True,
        help_text="The author's delegation when writing; empty for the secretariat",
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.SHARED
    )
    body = models.TextField(
        max_length=COMMENT_BODY_MAX_LENGTH,
        validators=[MaxLengthValidator(COMMENT_BODY_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = CommentQuerySet.as_manager()
    history = HistoricalRecords(
        bases=[PartyStampedHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["provision", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(visibility="delegation", party__isnull=True),
                name="delegation_comment_has_party",
            )
        ]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.provision.number}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ActionItem(models.Model):
    """A task a delegation owes: prepare a proposal, consult capital, circulate a non-paper."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    description = models.TextField(
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    owner_party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="action_items")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_action_items",
    )
    due_on = models.DateField(null=True, blank=True)
    provision = models.ForeignKey(
        Provision, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    round = models.ForeignKey(
        Round, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_on = models.DateField(
        null=True, blank=True, editable=False, help_text="Last day a due-date reminder went out"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_action_items"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Watch(models.Model):
    """A user following a provision, a chapter or a whole agreement (exactly one of them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    chapter = models.ForeignKey(
        "agreement.Chapter", on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(agreement__isnull=False, chapter__isnull=True, provision__isnull=True)
                    | models.Q(
                        agreement__isnull=True, chapter__isnull=False, provision__isnull=True
                    )
                    | models.Q(
                        agreement__isnull=True, chapter__isnull=True, provision__isnull=False
                    )
                ),
                name="watch_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["user", "agreement"], name="watch_agreement_once"),
            models.UniqueConstraint(fields=["user", "chapter"], name="watch_chapter_once"),
            models.UniqueConstraint(fields=["user", "provision"], name="watch_provision_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.target}"

    @property
    def target(self):
        return self.provision or self.chapter or self.agreement


class Notification(models.Model):
    """One event told to one user, in the application and by e-mail.

    Recipients are chosen when the event happens; a delegation-only event reaches only that
    delegation, so the row itself never carries another party's internal material.
    """

    class Kind(models.TextChoices):
        TEXT_CHANGED = "text_changed", "Text changed"
        STATUS_CHANGED = "status_changed", "Status changed"
        POSITION_CHANGED = "position_changed", "Position changed"
        COMMENT_ADDED = "comment_added", "Comment added"
        ACTION_ASSIGNED = "action_assigned", "Action item assigned"
        PROPOSAL = "proposal", "Proposal"
        RESOLUTION = "resolution", "Resolution"
        CONSENT = "consent", "Consent"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="notifications")
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    delegation = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for delegation-only events: the only party whose members receive it",
    )
    actor_label = models.CharField(
        max_length=120, help_text="Who did it, e.g. 'EU · eu-negotiator'"
    )
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"To {self.recipient}: {self.message}"


class Proposal(models.Model):
    """A party's proposed text: for an existing provision (against a base version) or a new one.

    A draft is seen by its delegation only; once tabled, by every participant. The chair then
    incorporates it (as the proposing party's bracketed alternatives), or the parties accept it
    by consensus (as common text), reject it, or the party withdraws it.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        TABLED = "tabled", "Tabled"
        INCORPORATED = "incorporated", "Incorporated"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="proposals")
    provision = models.ForeignKey(
        Provision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="Empty for a proposed new provision",
    )
    base_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The provision version the proposal was written against"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    body = models.TextField(help_text="The proposed text in bracket notation")
    note = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text="Explanatory note, shared once tabled",
    )
    # For a new provision: where it goes and what it is.
    chapter = models.ForeignKey(
        "agreement.Chapter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.CharField(max_length=20, blank=True)
    heading = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=32, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    resulting_version = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The provision version it produced"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    tabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(
        bases=[PartyStampedHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provision__isnull=True, base_version__isnull=True)
                | models.Q(provision__isnull=False, base_version__isnull=False),
                name="proposal_base_with_provision",
            )
        ]

    def __str__(self) -> str:
        target = f"Article {self.provision.number}" if self.provision_id else "a new provision"
        return f"{self.party.code} proposal #{self.pk} for {target}"


class Resolution(models.Model):
    """Removing brackets: this provision's text, at `base_version`, becomes `body`.

    It takes effect when every party in `concerned` has consented on that same version.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for consent"
        ADOPTED = "adopted", "Adopted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        STALE = "stale", "Text changed since"

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="resolutions")
    base_version = models.PositiveIntegerField(help_text="The version the consents are given on")
    body = models.TextField(help_text="The text the provision becomes")
    note = models.TextField(
        blank=True, max_length=NOTE_MAX_LENGTH, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)]
    )
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
        help_text="The party that proposed it; empty for the chair",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resolutions"
    )
    concerned = models.ManyToManyField(
        Party, related_name="+", help_text="Every party whose consent it needs"
    )
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolutions",
        help_text="Set when the resolution puts a proposal to the parties for acceptance",
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    resulting_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Resolution #{self.pk} on Article {self.provision.number}"


class Consent(models.Model):
    """One party's answer to a resolution, given on the resolution's version."""

    class Answer(models.TextChoices):
        CONSENT = "consent", "Consents"
        DECLINE = "decline", "Declines"

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="consents")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    meeting = models.CharField(
        max_length=200,
        blank=True,
        help_text="Set when the secretariat recorded consent given in the room: which meeting",
    )
    provision_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resolution", "party__code"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "party"], name="one_consent_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party.code} {self.get_answer_display().lower()} to {self.resolution}"
