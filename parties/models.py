from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

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


class AuditEntryQuerySet(models.QuerySet):
    """Entries are written once and kept: the application never changes or removes one."""

    def update(self, **kwargs):
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what to an account, a token, a membership, an export or a comment, and from where.

    Written by `parties.audit.audit_record` only; never edited or deleted through the application.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOCKOUT = "lockout", "Account locked"
        UNLOCK = "unlock", "Account unlocked"
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor enrolled"
        TWO_FACTOR_REMOVED = "two_factor_removed", "Two-factor removed"
        TOKEN_CREATED = "token_created", "API token created"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        MEMBERSHIP_CHANGED = "membership_changed", "Membership or role changed"
        EXPORT_DOWNLOADED = "export_downloaded", "Export downloaded"
        COMMENT_EDITED = "comment_edited", "Comment edited"
        COMMENT_DELETED = "comment_deleted", "Comment deleted"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    # An entry outlives every account and party it names, and never stands in the way of deleting
    # one: a foreign key with PROTECT would block the deletion (and an archive restore, which
    # starts from empty tables), SET_NULL or CASCADE would rewrite or drop the entry. So what the
    # entry says is in its own columns, as it was at the time: the usernames and the party's code
    # (codes never change once used). `actor` and `subject` remain as bare references to find an
    # account's entries whatever it is called now: no database constraint, nothing done on delete.
    # A deleted account leaves its id behind; no later account gets it (ids come from PostgreSQL
    # sequences and SQLite AUTOINCREMENT, never reused), and nothing shown is read through it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who acted: empty for the system or an anonymous sign-in attempt",
    )
    actor_username = models.CharField(max_length=150, blank=True, default="")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose account the entry concerns",
    )
    # The subject's username, or the name typed in a failed sign-in that may name no account.
    username = models.CharField(max_length=150, blank=True, default="")
    party_code = models.CharField(
        max_length=8,
        blank=True,
        default="",
        db_index=True,
        help_text="The delegation the subject belonged to at the time",
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")


class ApiToken(AbstractAuthToken):
    """A named API token a user makes for their own scripts, valid until `expiry`.

    Only knox's SHA-512 digest of the key is stored (the primary key), with the key's first 15
    characters (`token_key`) to find the row; the key itself is shown once, when it is made.
    """

    name = models.CharField(max_length=100)
    # Unique, where knox's is only indexed: the page and its revoke button name a token by it.
    token_key = models.CharField(
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH, unique=True
    )
    # Every token ends: knox's own model allows none, ours requires it.
    expiry = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        # Never the digest (knox's default): it would show wherever a token is named.
        return f"{self.name} ({self.user})"
