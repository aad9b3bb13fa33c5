from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreement.models import Agreement, Chapter
from config.serializers import ID_MAX, IntegerField, ModelSerializer
from parties.access import actor_for
from parties.models import Party
from provisions.api.serializers import DiffOpSerializer
from provisions.models import Provision
from provisions.selectors import agree_state

from ..models import (
    NOTE_MAX_LENGTH,
    ActionItem,
    Comment,
    Notification,
    Position,
    Proposal,
    Resolution,
    Round,
    Watch,
)
from ..selectors import delegation_member, resolution_answers, resolution_diff
from ..services import action_item_assignee_refusal


class RoundSerializer(ModelSerializer):
    class Meta:
        model = Round
        fields = ["id", "agreement", "number", "venue", "starts_on", "ends_on", "closed_at"]


class RoundUpdateSerializer(RoundSerializer):
    class Meta(RoundSerializer.Meta):
        read_only_fields = ["agreement"]


class PositionSerializer(ModelSerializer):
    party = serializers.SlugRelatedField(slug_field="code", queryset=Party.objects.all())
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    internal_note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Seen by the party's own delegation only; omitted for everyone else.",
    )
    version = IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        help_text="The provision version you read (or send If-Match); required for `agree`: "
        "consent is given on a text, and refused (409) if the text changed since",
    )
    meeting = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Secretariat only, and required then: the meeting where the party gave its "
        "`agree` in the room (e.g. 'Round 3 plenary, Brussels')",
    )
    provision_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The provision version the stance was given on"
    )
    consent = serializers.SerializerMethodField(
        help_text="For `agree`: `current` while the text is the one agreed, `stale` once it "
        "changed (the consent no longer counts); null for other stances"
    )

    class Meta:
        model = Position
        fields = [
            "id",
            "provision",
            "party",
            "stance",
            "note",
            "internal_note",
            "reason",
            "version",
            "meeting",
            "provision_version",
            "consent",
            "updated_at",
        ]
        # One position per party and provision: POST records or replaces it.
        validators = []

    @extend_schema_field(serializers.ChoiceField(choices=["current", "stale"], allow_null=True))
    def get_consent(self, position) -> str | None:
        state = agree_state(position, position.provision)
        return str(state) if state else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        actor = actor_for(self.context["request"].user)
        if not actor.sees_delegation_material_of(instance.party_id):
            data.pop("internal_note", None)
        return data


class PositionUpdateSerializer(PositionSerializer):
    class Meta(PositionSerializer.Meta):
        read_only_fields = ["provision", "party"]


class CommentSerializer(ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    party = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "provision",
            "provision_version",
            "author",
            "party",
            "visibility",
            "body",
            "created_at",
            "updated_at",
        ]


class CommentUpdateSerializer(CommentSerializer):
    """Only the words change. The audience is fixed when the comment is written: sending it back
    unchanged is fine, a different one is refused (400)."""

    class Meta(CommentSerializer.Meta):
        read_only_fields = ["provision", "provision_version"]

    def validate_visibility(self, value: str) -> str:
        if self.instance is not None and value != self.instance.visibility:
            raise serializers.ValidationError(
                f"A comment's audience is fixed when it is written (this one: "
                f"{self.instance.visibility}): post a new comment to reach another audience."
            )
        return value


class CommentHistorySerializer(serializers.Serializer):
    """One version of a comment: its words then, who wrote them, and why the row was written."""

    at = serializers.DateTimeField(source="history_date")
    by = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    party = serializers.CharField(source="history_party", help_text="The writer's party then")
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    body = serializers.CharField()
    removed = serializers.SerializerMethodField(help_text="True on the row that removed it")

    def get_removed(self, row) -> bool:
        return row.deleted_at is not None


class AssigneeField(serializers.SlugRelatedField):
    """A member of the owner party's delegation, by username. The field only reads the name;
    `ActionItemSerializer.validate` looks it up among that delegation's members, so that a name
    nobody has and a name someone outside the delegation has get the same answer."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=get_user_model().objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data:
            self.fail("invalid")
        return data


class ActionItemSerializer(ModelSerializer):
    owner_party = serializers.SlugRelatedField(slug_field="code", queryset=Party.objects.all())
    assignee = AssigneeField(required=False, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "agreement",
            "title",
            "description",
            "owner_party",
            "assignee",
            "due_on",
            "provision",
            "round",
            "done",
            "done_at",
            "overdue",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["done_at", "created_by", "created_at"]

    def get_overdue(self, item: ActionItem) -> bool:
        return bool(item.due_on and not item.done and item.due_on < timezone.localdate())

    def validate(self, attrs):
        username = attrs.get("assignee")
        if username:
            party = attrs.get("owner_party") or self.instance.owner_party
            attrs["assignee"] = delegation_member(party, username)
            if attrs["assignee"] is None:
                raise serializers.ValidationError(
                    {"assignee": action_item_assignee_refusal(party, username)}
                )
        return attrs


class ActionItemUpdateSerializer(ActionItemSerializer):
    class Meta(ActionItemSerializer.Meta):
        read_only_fields = [*ActionItemSerializer.Meta.read_only_fields, "agreement", "owner_party"]


class WatchSerializer(ModelSerializer):
    class Meta:
        model = Watch
        fields = ["id", "agreement", "chapter", "provision", "created_at"]
        validators = []  # watching twice is answered with the existing watch


class NotificationSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)
    delegation_only = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "agreement",
            "provision",
            "actor",
            "message",
            "url",
            "delegation_only",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_delegation_only(self, notification) -> bool:
        return notification.delegation_id is not None


class NotificationReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IntegerField(min_value=1, max_value=ID_MAX),
        required=False,
        help_text="Notifications to mark read; all of yours when omitted",
    )


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


# --- Resolutions: removing brackets by consent --------------------------------------------------


class ResolutionAnswerSerializer(serializers.Serializer):
    """One concerned party's answer."""

    party = serializers.CharField(source="party.code")
    answer = serializers.SerializerMethodField(help_text="consent, decline, or pending")
    recorded_by = serializers.CharField(
        source="consent.recorded_by.username", default=None, allow_null=True
    )
    meeting = serializers.CharField(
        source="consent.meeting",
        default="",
        help_text="Set when the secretariat recorded the answer given in the room",
    )
    provision_version = serializers.IntegerField(
        source="consent.provision_version", default=None, allow_null=True
    )
    answered_at = serializers.DateTimeField(
        source="consent.created_at", default=None, allow_null=True
    )

    @extend_schema_field(serializers.ChoiceField(choices=["consent", "decline", "pending"]))
    def get_answer(self, answer) -> str:
        return answer.answer or "pending"


class ResolutionSerializer(ModelSerializer):
    """A resolution with its parties concerned, their answers and the diff it makes.

    The view passes each resolution's base text as `base_bodies` in the context (one query for a
    page); without it the base text is read here.
    """

    party = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The proposing party; null for the chair"
    )
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    concerned = serializers.SerializerMethodField(
        help_text="Codes of the parties whose consent it needs"
    )
    answers = serializers.SerializerMethodField()
    diff = serializers.SerializerMethodField(
        help_text="Word diff from the text at base_version to the resolution's text"
    )

    class Meta:
        model = Resolution
        fields = [
            "id",
            "provision",
            "base_version",
            "body",
            "note",
            "party",
            "author",
            "proposal",
            "state",
            "concerned",
            "answers",
            "diff",
            "resulting_version",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_concerned(self, resolution) -> list[str]:
        return sorted(party.code for party in resolution.concerned.all())

    @extend_schema_field(ResolutionAnswerSerializer(many=True))
    def get_answers(self, resolution):
        return ResolutionAnswerSerializer(resolution_answers(resolution), many=True).data

    @extend_schema_field(DiffOpSerializer(many=True))
    def get_diff(self, resolution):
        bodies = self.context.get("base_bodies") or {}
        if resolution.pk in bodies:
            base = bodies[resolution.pk]
        else:
            record = resolution.provision.history.filter(version=resolution.base_version).first()
            base = record.body if record else ""
        return [op.as_dict() for op in resolution_diff(base, resolution)]


class ResolutionCreateSerializer(serializers.Serializer):
    provision = serializers.PrimaryKeyRelatedField(queryset=Provision.objects.all())
    version = IntegerField(
        required=False,
        min_value=1,
        help_text="The provision's current version, the text you removed brackets from (or "
        "send If-Match)",
    )
    body = serializers.CharField(
        trim_whitespace=False,
        help_text="The text the provision becomes: the current text with brackets removed",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH
    )


class ResolutionAnswerRequestSerializer(serializers.Serializer):
    version = IntegerField(
        required=False,
        min_value=1,
        help_text="The resolution's base_version: the text you answer on (or send If-Match)",
    )
    party = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Party.objects.all(),
        required=False,
        allow_null=True,
        help_text="Secretariat only, and required then: the party that answered in the room",
    )
    meeting = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="Secretariat only, and required then: the meeting in which the party answered",
    )


class ResolutionConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField(help_text="The provision's current version")
    resolution = ResolutionSerializer(
        allow_null=True, help_text="The resolution as it now stands (e.g. stale)"
    )


class ResolutionRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- Proposals: a party's proposed text -----------------------------------------------------------


class ProposalSerializer(ModelSerializer):
    """A proposal as listed: who proposes what, against which version, and where it stands."""

    party = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "agreement",
            "provision",
            "base_version",
            "party",
            "author",
            "state",
            "body",
            "note",
            "chapter",
            "number",
            "heading",
            "category",
            "resulting_version",
            "created_at",
            "tabled_at",
            "decided_at",
        ]
        read_only_fields = fields


class IncorporationHunkSerializer(serializers.Serializer):
    old = serializers.CharField(allow_blank=True, help_text="The words in the base version")
    new = serializers.CharField(allow_blank=True, help_text="The words the proposal puts instead")
    line = serializers.IntegerField(help_text="Where, in the base version (1-based)")
    column = serializers.IntegerField()
    reason = serializers.CharField(required=False, help_text="Why it does not apply")


class IncorporationPreviewSerializer(serializers.Serializer):
    applies = IncorporationHunkSerializer(
        many=True, help_text="Changes that incorporating now would write into the current text"
    )
    skipped = IncorporationHunkSerializer(
        many=True, help_text="Changes that no longer apply: the text changed there since the base"
    )
    concerned = serializers.ListField(
        child=serializers.CharField(),
        help_text="Parties whose groups would be bracketed or given an alternative",
    )


class ProposalHistorySerializer(serializers.Serializer):
    state = serializers.CharField()
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    by = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    party = serializers.CharField(source="history_party", help_text="The author's party then")
    at = serializers.DateTimeField(source="history_date")


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with its diff against the base and against the current text.

    Built from a `negotiations.selectors.ProposalView` passed as the context's `view`.
    """

    diff_base = serializers.SerializerMethodField(
        help_text="Word diff from the base version's text to the proposal"
    )
    diff_current = serializers.SerializerMethodField(
        help_text="Word diff from the provision's current text to the proposal (empty for a "
        "new provision not yet incorporated)"
    )
    base_is_stale = serializers.SerializerMethodField(
        help_text="True when the provision's text changed since the base version: incorporating "
        "applies the changes only where the text around them is still the same"
    )
    current_version = serializers.SerializerMethodField(allow_null=True)
    incorporation = serializers.SerializerMethodField(
        help_text="While draft or tabled: what incorporating it now would apply and skip"
    )
    actions = serializers.SerializerMethodField(
        help_text="The steps you may take now: edit, table, withdraw, incorporate, reject, accept"
    )
    pending_resolution = serializers.SerializerMethodField(
        help_text="The resolution putting it to the parties for acceptance, while pending"
    )
    history = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "diff_base",
            "diff_current",
            "base_is_stale",
            "current_version",
            "incorporation",
            "actions",
            "pending_resolution",
            "history",
        ]
        read_only_fields = fields

    def _view(self):
        return self.context["view_data"]

    @extend_schema_field(DiffOpSerializer(many=True))
    def get_diff_base(self, proposal):
        return [op.as_dict() for op in self._view().ops_base]

    @extend_schema_field(DiffOpSerializer(many=True))
    def get_diff_current(self, proposal):
        return [op.as_dict() for op in self._view().ops_current]

    def get_base_is_stale(self, proposal) -> bool:
        return self._view().base_is_stale

    def get_current_version(self, proposal) -> int | None:
        return proposal.provision.version if proposal.provision_id else None

    @extend_schema_field(IncorporationPreviewSerializer(allow_null=True))
    def get_incorporation(self, proposal):
        preview = self._view().preview
        if preview is None:
            return None
        return {
            "applies": [hunk.as_dict() for hunk in preview.applied],
            "skipped": [hunk.as_dict() for hunk in preview.skipped],
            "concerned": sorted(preview.concerned),
        }

    def get_actions(self, proposal) -> list[str]:
        return sorted(self._view().actions)

    def get_pending_resolution(self, proposal) -> int | None:
        pending = self._view().pending_resolution
        return pending.pk if pending else None

    @extend_schema_field(ProposalHistorySerializer(many=True))
    def get_history(self, proposal):
        return ProposalHistorySerializer(self.context["history"], many=True).data


class ProposalCreateSerializer(serializers.Serializer):
    """Against an existing provision: `provision` and `base_version`. For a new provision:
    `agreement`, `chapter`, `number`, `heading` and `category`. (The service refuses, 403, a
    party that does not take part in the provision's agreement.)"""

    provision = serializers.PrimaryKeyRelatedField(
        queryset=Provision.objects.all(), required=False, allow_null=True
    )
    base_version = IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The version of the provision the proposal is written on",
    )
    agreement = serializers.PrimaryKeyRelatedField(
        queryset=Agreement.objects.all(), required=False, allow_null=True
    )
    body = serializers.CharField(
        trim_whitespace=False, help_text="The proposed text, in bracket notation"
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH
    )
    chapter = serializers.PrimaryKeyRelatedField(
        queryset=Chapter.objects.all(), required=False, allow_null=True
    )
    number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    heading = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    category = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)


class ProposalUpdateSerializer(serializers.Serializer):
    """A draft's text and note; for a new provision, its particulars."""

    body = serializers.CharField(trim_whitespace=False, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)
    # Empty as a proposal for an existing provision reads them: sent back unchanged, they are
    # accepted (the service refuses a change of them there, and an empty one for a new provision).
    chapter = serializers.PrimaryKeyRelatedField(
        queryset=Chapter.objects.all(), required=False, allow_null=True
    )
    number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    heading = serializers.CharField(required=False, allow_blank=True, max_length=300)
    category = serializers.CharField(required=False, allow_blank=True, max_length=32)


class ProposalIncorporateSerializer(serializers.Serializer):
    version = IntegerField(
        required=False,
        min_value=1,
        help_text="The provision's current version you saw (or send If-Match); optional",
    )


class ProposalAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX_LENGTH,
        help_text="Note on the resolution",
    )


class ProposalRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the proposal was rejected", max_length=2000)


class ProposalWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ProposalConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    state = serializers.CharField(help_text="The proposal's state now")
    skipped = IncorporationHunkSerializer(
        many=True, help_text="Incorporation: the changes that no longer apply"
    )
