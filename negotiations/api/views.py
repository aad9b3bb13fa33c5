from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agreement.api.serializers import AgreementCompareSerializer, comparison_data
from config.viewsets import CreateReadUpdateViewSet
from parties.access import actor_for
from provisions.api.serializers import ConflictSerializer
from provisions.api.views import (
    IF_MATCH,
    IF_MATCH_OPTIONAL,
    conflict_response,
    expected_version,
    parse_if_match,
)
from provisions.selectors import agreement_compare, provision_version_get

from .. import services
from ..filters import ActionItemFilter, NotificationFilter, ProposalFilter
from ..selectors import (
    action_item_list_for,
    comment_history_for,
    comment_list_for,
    notification_list_for,
    position_list_for,
    proposal_history_for,
    proposal_list_for,
    proposal_view,
    resolution_base_bodies,
    resolution_list_for,
    round_list_for,
    round_window,
    watch_list_for,
)
from .serializers import (
    ActionItemSerializer,
    ActionItemUpdateSerializer,
    CommentHistorySerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
    PositionSerializer,
    PositionUpdateSerializer,
    ProposalAcceptSerializer,
    ProposalConflictSerializer,
    ProposalCreateSerializer,
    ProposalDetailSerializer,
    ProposalIncorporateSerializer,
    ProposalRejectSerializer,
    ProposalSerializer,
    ProposalUpdateSerializer,
    ProposalWithdrawSerializer,
    ResolutionAnswerRequestSerializer,
    ResolutionConflictSerializer,
    ResolutionCreateSerializer,
    ResolutionRefusalSerializer,
    ResolutionSerializer,
    RoundSerializer,
    RoundUpdateSerializer,
    UnreadCountSerializer,
    WatchSerializer,
)

WRITE_ACTIONS = {"update", "partial_update"}


class RoundViewSet(CreateReadUpdateViewSet):
    filterset_fields = ["agreement"]
    search_fields = ["venue"]

    def get_queryset(self):
        return round_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return RoundUpdateSerializer if self.action in WRITE_ACTIONS else RoundSerializer

    def perform_create(self, serializer):
        serializer.instance = services.round_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.round_update(
            actor=actor_for(self.request.user),
            round_=serializer.instance,
            **serializer.validated_data,
        )

    @extend_schema(request=None, responses={200: RoundSerializer, 409: RoundSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the round: its text is read from this moment on. A closed round stays closed (409)."""
        try:
            round_ = services.round_close(actor=actor_for(request.user), round_=self.get_object())
        except services.RoundAlreadyClosed as closed:
            return Response(
                {"detail": str(closed), **RoundSerializer(closed.round).data},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(RoundSerializer(round_).data)

    @extend_schema(responses=AgreementCompareSerializer)
    @action(detail=True, methods=["get"])
    def changes(self, request, pk=None):
        """Provisions changed during the round: from the previous round's close (or the beginning)
        to this one's close (or now while it is open), each with its diff."""
        round_ = self.get_object()
        start, end = round_window(round_)
        changes = agreement_compare(round_.agreement, start.at, end.at)
        return Response(comparison_data(start, end, changes))


POSITION_WRITE_ANSWERS = {
    400: OpenApiResponse(
        description="Invalid input, named by field: unknown stance; `agree` without `version` "
        "(or If-Match), on a version that does not exist, on text that still holds brackets or "
        "on a withdrawn provision; the secretariat's in-room `agree` without `meeting`"
    ),
    403: OpenApiResponse(
        description="Not your party's lead; a party with observer standing (observers never "
        "agree); the secretariat recording anything but a party's `agree` given in the room"
    ),
    404: OpenApiResponse(description="Unknown position, or one outside your agreements"),
    409: OpenApiResponse(
        ConflictSerializer,
        description="`agree` on a version whose text has changed since: the current provision, "
        "and a diff from the text you read to the current one",
    ),
}


@extend_schema_view(
    create=extend_schema(
        parameters=[IF_MATCH_OPTIONAL],
        responses={201: PositionSerializer, **POSITION_WRITE_ANSWERS},
    ),
    update=extend_schema(
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: PositionSerializer, **POSITION_WRITE_ANSWERS},
    ),
    partial_update=extend_schema(
        parameters=[IF_MATCH_OPTIONAL],
        responses={200: PositionSerializer, **POSITION_WRITE_ANSWERS},
    ),
)
class PositionViewSet(CreateReadUpdateViewSet):
    """Each party's stance per provision. POST records (or replaces) the caller's party's position.

    Stance `agree` is consent to agree the text: send the version you read (`version` or
    If-Match). It counts while the text stays as it was (`consent`: current, then stale). The
    secretariat records only a party's `agree` given in the room, naming the `meeting`.
    """

    filterset_fields = ["provision", "party", "stance", "provision__agreement"]

    def get_queryset(self):
        return position_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return PositionUpdateSerializer if self.action in WRITE_ACTIONS else PositionSerializer

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except services.StaleConsent as stale:
            return _stale_consent_response(stale)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except services.StaleConsent as stale:
            return _stale_consent_response(stale)

    def _seen_version(self, data: dict) -> int | None:
        """The provision version the caller read: If-Match first, else the body's `version`."""
        header_version = parse_if_match(self.request.headers.get("If-Match"))
        body_version = data.pop("version", None)
        return header_version if header_version is not None else body_version

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.position_record(
            actor=actor_for(self.request.user), seen_version=self._seen_version(data), **data
        )

    def perform_update(self, serializer):
        position = serializer.instance
        data = dict(serializer.validated_data)
        seen_version = self._seen_version(data)
        serializer.instance = services.position_record(
            actor=actor_for(self.request.user),
            provision=position.provision,
            party=position.party,
            seen_version=seen_version,
            **{"stance": position.stance, **data},  # notes left out are kept
        )


def _stale_consent_response(stale: services.StaleConsent) -> Response:
    """409: the text changed since the version agreed to; the diff shows what changed."""
    read = provision_version_get(stale.current, stale.expected_version)
    return conflict_response(stale, read.body)


COMMENT_WRITE_ANSWERS = {
    400: OpenApiResponse(
        description="Invalid input, named by field: an empty body, a body over 20,000 "
        "characters, a different `visibility` (a comment's audience is fixed when it is "
        "written); or a comment already removed"
    ),
    403: OpenApiResponse(
        description="Not the author (the secretariat may remove, not edit, a shared comment)"
    ),
    404: OpenApiResponse(description="Unknown or removed comment, or one you cannot read"),
}


@extend_schema_view(
    create=extend_schema(responses={201: CommentSerializer, **COMMENT_WRITE_ANSWERS}),
    update=extend_schema(responses={200: CommentSerializer, **COMMENT_WRITE_ANSWERS}),
    partial_update=extend_schema(responses={200: CommentSerializer, **COMMENT_WRITE_ANSWERS}),
    destroy=extend_schema(
        responses={
            204: OpenApiResponse(description="Removed: hidden from everyone, kept in history"),
            **COMMENT_WRITE_ANSWERS,
        }
    ),
)
class CommentViewSet(CreateReadUpdateViewSet, mixins.DestroyModelMixin):
    """Comments on provisions. Delegation-only comments are visible to the author's delegation alone.

    The author edits the words (the audience is fixed); earlier words stay in the comment's
    history. DELETE removes a comment: it is hidden from every list, page and export, kept in
    the database with its history, and the removal is in the audit log.
    """

    filterset_fields = ["provision", "visibility", "provision__agreement"]
    search_fields = ["body"]

    def get_queryset(self):
        return comment_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return CommentUpdateSerializer if self.action in WRITE_ACTIONS else CommentSerializer

    def perform_create(self, serializer):
        serializer.instance = services.comment_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_update(self, serializer):
        comment = serializer.instance
        serializer.instance = services.comment_update(
            actor=actor_for(self.request.user),
            comment=comment,
            body=serializer.validated_data.get("body", comment.body),
            request=self.request,
        )

    def perform_destroy(self, instance):
        services.comment_delete(
            actor=actor_for(self.request.user), comment=instance, request=self.request
        )

    @extend_schema(
        responses={
            200: CommentHistorySerializer(many=True),
            404: OpenApiResponse(description="Unknown or removed comment, or one you cannot read"),
        }
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """The comment's versions, newest first: whoever reads a comment reads its earlier words."""
        rows = comment_history_for(actor_for(request.user), self.get_object())
        return Response(CommentHistorySerializer(rows, many=True).data)


class ActionItemViewSet(CreateReadUpdateViewSet):
    """Tasks owed by delegations. PATCH `done` to tick one off. Filters: mine, my_party, overdue."""

    filterset_class = ActionItemFilter
    search_fields = ["title", "description"]
    ordering_fields = ["due_on", "created_at"]

    def get_queryset(self):
        return action_item_list_for(actor_for(self.request.user))

    def get_serializer_class(self):
        return ActionItemUpdateSerializer if self.action in WRITE_ACTIONS else ActionItemSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("done", None)
        serializer.instance = services.action_item_create(
            actor=actor_for(self.request.user), **data
        )

    def perform_update(self, serializer):
        actor = actor_for(self.request.user)
        data = dict(serializer.validated_data)
        done = data.pop("done", None)
        item = serializer.instance
        if data:
            item = services.action_item_update(actor=actor, item=item, **data)
        if done is not None and done != item.done:
            item = services.action_item_set_done(actor=actor, item=item, done=done)
        serializer.instance = item


class WatchViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What the caller follows: give exactly one of provision, chapter or agreement."""

    serializer_class = WatchSerializer
    filterset_fields = ["agreement", "chapter", "provision"]

    def get_queryset(self):
        return watch_list_for(actor_for(self.request.user))

    def perform_create(self, serializer):
        serializer.instance = services.watch_create(
            actor=actor_for(self.request.user), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.watch_delete(actor=actor_for(self.request.user), watch=instance)


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's notifications, newest first; `?unread=true` for unread ones."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return notification_list_for(actor_for(self.request.user))

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})

    @extend_schema(request=NotificationReadSerializer, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark the listed notifications (or all of them) read; answers the unread count left."""
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.notification_mark_read(
            actor=actor_for(request.user), notification_ids=serializer.validated_data.get("ids")
        )
        return Response({"unread": self.get_queryset().filter(read_at__isnull=True).count()})


# --- Resolutions: removing brackets by consent --------------------------------------------------

RESOLUTION_NOT_FOUND = OpenApiResponse(
    ResolutionRefusalSerializer, description="Unknown resolution, or one outside your agreements"
)
RESOLUTION_ANSWER_ERRORS = {
    400: OpenApiResponse(
        description="Invalid input, named by field: no `version` (or If-Match); for the "
        "secretariat, no `party` or `meeting`, or a party whose consent is not asked for; "
        "`meeting` sent by a delegation (only the secretariat records answers given in the room)"
    ),
    403: OpenApiResponse(
        ResolutionRefusalSerializer,
        description="Not a lead or negotiator of a participating party (or the secretariat); "
        "answering for another party; your party's consent is not asked for",
    ),
    404: RESOLUTION_NOT_FOUND,
    409: OpenApiResponse(
        ResolutionConflictSerializer,
        description="The text changed since the resolution was proposed (it is now stale); "
        "`version` is not the resolution's base_version; the resolution is no longer pending; "
        "your party has already answered",
    ),
}


@extend_schema_view(
    retrieve=extend_schema(responses={200: ResolutionSerializer, 404: RESOLUTION_NOT_FOUND}),
)
class ResolutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Resolutions: a provision's text at one version becomes a text with brackets removed, once
    every party concerned consents on that version (every participant, for unattributed
    brackets). POST proposes one; `consent/`, `decline/` and `withdraw/` answer it."""

    serializer_class = ResolutionSerializer
    filterset_fields = ["provision", "state", "provision__agreement"]

    def get_queryset(self):
        return resolution_list_for(actor_for(self.request.user))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request, *args, **kwargs):
        resolution = self.get_object()
        return Response(self._data(resolution), headers={"ETag": f'"{resolution.base_version}"'})

    def _data(self, resolutions, *, many: bool = False):
        bodies = resolution_base_bodies(list(resolutions) if many else [resolutions])
        context = {**self.get_serializer_context(), "base_bodies": bodies}
        return ResolutionSerializer(resolutions, many=many, context=context).data

    def _fresh(self, resolution):
        return self.get_queryset().get(pk=resolution.pk)

    def _conflict(self, conflict: services.ResolutionConflict) -> Response:
        resolution = conflict.resolution
        return Response(
            {
                "detail": str(conflict),
                "current_version": conflict.current_version,
                "resolution": self._data(self._fresh(resolution)) if resolution else None,
            },
            status=status.HTTP_409_CONFLICT,
        )

    @extend_schema(
        request=ResolutionCreateSerializer,
        parameters=[IF_MATCH],
        responses={
            201: ResolutionSerializer,
            400: OpenApiResponse(
                description="Invalid input, named by field: no `version` (or If-Match); broken "
                "bracket text (with `bracket_errors`: line, column); a text that changes words "
                "(with `negotiation_rules`: each change, its group, line and column; submit a "
                "proposal instead); a text that removes no brackets; an agreed or withdrawn "
                "provision"
            ),
            403: OpenApiResponse(
                ResolutionRefusalSerializer,
                description="Not a negotiator or lead of a participating party, or the secretariat",
            ),
            409: OpenApiResponse(
                ResolutionConflictSerializer,
                description="The text changed meanwhile: `version` is not the current version "
                "(`current_version` says which is)",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Propose a resolution: the provision's current text with brackets removed. The answer
        names the parties whose consent it needs; each is told."""
        actor = actor_for(request.user)
        serializer = ResolutionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            resolution = services.resolution_propose(
                actor=actor,
                provision=data["provision"],
                base_version=expected_version(request, data.get("version")),
                body=data["body"],
                note=data["note"],
            )
        except services.ResolutionConflict as conflict:
            return self._conflict(conflict)
        return Response(self._data(self._fresh(resolution)), status=status.HTTP_201_CREATED)

    def _answer(self, request, service) -> Response:
        resolution = self.get_object()
        serializer = ResolutionAnswerRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            resolution = service(
                actor=actor_for(request.user),
                resolution=resolution,
                expected_version=expected_version(request, data.get("version")),
                party=data.get("party"),
                meeting=data["meeting"],
            )
        except services.ResolutionConflict as conflict:
            return self._conflict(conflict)
        return Response(self._data(self._fresh(resolution)))

    @extend_schema(
        request=ResolutionAnswerRequestSerializer,
        parameters=[IF_MATCH],
        responses={200: ResolutionSerializer, **RESOLUTION_ANSWER_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        """Your party consents, on the resolution's version (`version` = its base_version). The
        secretariat records consent given in the room: `party` and `meeting`. The last consent
        makes the text the resolution's, as a new version (`state` adopted,
        `resulting_version`)."""
        return self._answer(request, services.resolution_consent)

    @extend_schema(
        request=ResolutionAnswerRequestSerializer,
        parameters=[IF_MATCH],
        responses={200: ResolutionSerializer, **RESOLUTION_ANSWER_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Your party declines (even after consenting, while it is pending): the resolution is
        declined and the text stays. The secretariat records a refusal given in the room."""
        return self._answer(request, services.resolution_decline)

    @extend_schema(
        request=None,
        responses={
            200: ResolutionSerializer,
            403: OpenApiResponse(
                ResolutionRefusalSerializer,
                description="Not a lead or negotiator of the proposing party (the secretariat, "
                "for the chair's resolutions)",
            ),
            404: RESOLUTION_NOT_FOUND,
            409: OpenApiResponse(
                ResolutionConflictSerializer, description="The resolution is no longer pending"
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The proposing party (or the secretariat, for the chair's) withdraws a pending
        resolution; the parties concerned are told."""
        try:
            resolution = services.resolution_withdraw(
                actor=actor_for(request.user), resolution=self.get_object()
            )
        except services.ResolutionConflict as conflict:
            return self._conflict(conflict)
        return Response(self._data(self._fresh(resolution)))


# --- Proposals: a party's proposed text ---------------------------------------------------------

PROPOSAL_NOT_FOUND = OpenApiResponse(
    description="No such proposal for you: another delegation's draft is not shown to anyone "
    "outside it (the secretariat included)"
)
PROPOSAL_REFUSED = OpenApiResponse(
    ResolutionRefusalSerializer,
    description="Your role or party may not take this step (who may: see the endpoint)",
)
PROPOSAL_CONFLICT = OpenApiResponse(
    ProposalConflictSerializer,
    description="The proposal is not in a state that allows this step (e.g. not tabled, or "
    "before the parties in a pending resolution)",
)


READ_ONLY_ANSWERS = {
    403: OpenApiResponse(description="Not signed in"),
    409: OpenApiResponse(description="Never: reading changes nothing"),
}


@extend_schema_view(
    list=extend_schema(
        responses={
            200: ProposalSerializer(many=True),
            400: OpenApiResponse(
                description="A filter value that is not valid (e.g. an unknown state or party)"
            ),
            404: OpenApiResponse(description="A page number past the last page"),
            **READ_ONLY_ANSWERS,
        },
    ),
    retrieve=extend_schema(
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(description="Never: the proposal is named by its id alone"),
            404: PROPOSAL_NOT_FOUND,
            **READ_ONLY_ANSWERS,
        }
    ),
)
class ProposalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Textual proposals: a party's proposed text for a provision (against a version of it) or for
    a new provision, with a note. Draft (its delegation only) → tabled (every participant) →
    incorporated (the secretariat writes it in as the party's alternatives), accepted (by
    consensus, through a resolution), rejected or withdrawn."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    search_fields = ["body", "note", "heading"]
    ordering_fields = ["created_at", "tabled_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return proposal_list_for(actor_for(self.request.user))

    def _detail(self, proposal) -> dict:
        actor = actor_for(self.request.user)
        proposal = self.get_queryset().get(pk=proposal.pk)
        context = {
            **self.get_serializer_context(),
            "view_data": proposal_view(actor, proposal),
            "history": proposal_history_for(actor, proposal),
        }
        return ProposalDetailSerializer(proposal, context=context).data

    def _conflict(self, message: str, proposal, skipped=()) -> Response:
        proposal.refresh_from_db(fields=["state"])
        return Response(
            {
                "detail": message,
                "state": proposal.state,
                "skipped": [hunk.as_dict() for hunk in skipped],
            },
            status=status.HTTP_409_CONFLICT,
        )

    def retrieve(self, request, *args, **kwargs):
        return Response(self._detail(self.get_object()))

    @extend_schema(
        request=ProposalCreateSerializer,
        responses={
            201: ProposalDetailSerializer,
            400: OpenApiResponse(
                description="Invalid input, named by field: an unknown provision, agreement or "
                "chapter; a `base_version` the provision does not have (proposals are written "
                "against a version that exists); broken bracket text (`bracket_errors` with "
                "line and column); a text that changes nothing; a new provision without chapter, "
                "number, heading or category, or with a number already used; an agreed or "
                "withdrawn provision"
            ),
            403: OpenApiResponse(
                ResolutionRefusalSerializer,
                description="Not a lead or negotiator of a participating party (the secretariat "
                "and observers propose nothing); a new provision's text naming another party "
                "(`negotiation_rules`)",
            ),
            404: OpenApiResponse(description="Never: unknown references are 400"),
            409: OpenApiResponse(description="Never on creation"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Draft a proposal in your party's name: `provision` and `base_version` for a change to
        an existing provision (its text at that version is what the proposal changes), or
        `agreement`, `chapter`, `number`, `heading` and `category` for a new provision. Only
        your delegation sees it until you table it."""
        actor = actor_for(request.user)
        serializer = ProposalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.proposal_create(actor=actor, **serializer.validated_data)
        return Response(self._detail(proposal), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProposalUpdateSerializer,
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(
                description="Invalid input, named by field (as on creation); particulars of a "
                "new provision on a proposal for an existing one"
            ),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: PROPOSAL_CONFLICT,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        """Edit your delegation's draft (lead or negotiator): text, note, and a new provision's
        particulars. Once tabled a proposal no longer changes (409)."""
        proposal = self.get_object()
        actor = actor_for(request.user)
        serializer = ProposalUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            proposal = services.proposal_update(
                actor=actor, proposal=proposal, **serializer.validated_data
            )
        except services.ProposalConflict as conflict:
            return self._conflict(str(conflict), proposal)
        return Response(self._detail(proposal))

    def _step(self, request, service, **arguments) -> Response:
        proposal = self.get_object()
        try:
            proposal = service(actor=actor_for(request.user), proposal=proposal, **arguments)
        except services.ProposalConflict as conflict:
            return self._conflict(str(conflict), proposal, conflict.skipped)
        return Response(self._detail(proposal))

    @extend_schema(
        request=None,
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(
                description="The proposal no longer holds: its base version or its provision's "
                "text changed so that it changes nothing, or the provision was agreed meanwhile"
            ),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: PROPOSAL_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def table(self, request, pk=None):
        """Table your delegation's draft (lead or negotiator): every participant now sees it, and
        the parties whose language it changes are told (every participant, when it changes common
        text or proposes a new provision)."""
        return self._step(request, services.proposal_table)

    @extend_schema(
        request=ProposalIncorporateSerializer,
        parameters=[IF_MATCH_OPTIONAL],
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(
                description="Invalid input: a malformed If-Match or `version`; the provision is "
                "agreed or withdrawn; a new provision's number is taken"
            ),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: OpenApiResponse(
                ProposalConflictSerializer,
                description="Not tabled; nothing of it applies to the current text (`skipped` "
                "lists every change and why); or `version` is not the provision's current "
                "version (then the answer is the provision's conflict: `current_version`)",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def incorporate(self, request, pk=None):
        """The secretariat writes a tabled proposal into the provision's current text as the
        proposing party's alternatives, next to the language it replaces (which stays, bracketed,
        with its own attribution): one new version whose history names the proposal. A stale
        base is applied where the text around each change is still the same; the rest is
        reported. A proposed new provision becomes that provision."""
        serializer = ProposalIncorporateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = parse_if_match(request.headers.get("If-Match"))
        if version is None:
            version = serializer.validated_data.get("version")
        try:
            return self._step(request, services.proposal_incorporate, expected_version=version)
        except services.VersionConflict as conflict:
            return conflict_response(conflict)

    @extend_schema(
        request=ProposalAcceptSerializer,
        responses={
            201: ResolutionSerializer,
            400: OpenApiResponse(description="The provision is agreed or withdrawn"),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: OpenApiResponse(
                ProposalConflictSerializer,
                description="Not tabled; already before the parties; a proposed new provision "
                "(incorporate it instead); or the text changed since the proposal's base version "
                "(parties consent to one exact text: incorporate it, or table it again)",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Put a tabled proposal to every participant for acceptance as common text (the
        proposing delegation or the secretariat): the answer is the resolution, which takes
        effect, making the proposal `accepted`, once every participant has consented on the
        current version (`/api/v1/resolutions/{id}/consent/`)."""
        proposal = self.get_object()
        serializer = ProposalAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            resolution = services.proposal_accept(
                actor=actor_for(request.user), proposal=proposal, **serializer.validated_data
            )
        except services.ProposalConflict as conflict:
            return self._conflict(str(conflict), proposal)
        except services.ResolutionConflict as conflict:
            return self._conflict(str(conflict), proposal)
        resolution = resolution_list_for(actor_for(request.user)).get(pk=resolution.pk)
        context = {
            **self.get_serializer_context(),
            "base_bodies": resolution_base_bodies([resolution]),
        }
        return Response(
            ResolutionSerializer(resolution, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=ProposalRejectSerializer,
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(description="No `reason`"),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: PROPOSAL_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The secretariat records that a tabled proposal was rejected, and why."""
        serializer = ProposalRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(request, services.proposal_reject, **serializer.validated_data)

    @extend_schema(
        request=ProposalWithdrawSerializer,
        responses={
            200: ProposalDetailSerializer,
            400: OpenApiResponse(description="A `reason` too long"),
            403: PROPOSAL_REFUSED,
            404: PROPOSAL_NOT_FOUND,
            409: PROPOSAL_CONFLICT,
        },
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Your delegation (lead or negotiator) withdraws its draft or tabled proposal."""
        serializer = ProposalWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(request, services.proposal_withdraw, **serializer.validated_data)
