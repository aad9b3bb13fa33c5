"""The access-control matrix, over every API route and every page.

Each route names who may read it and, per write method, who may write, with a valid payload.
Every actor (anonymous; US observer, reviewer, negotiator, lead; the EU lead for "another party";
a lead of a party outside the agreement; the secretariat) is tried on every route and method:
allowed ones succeed, everyone else gets 401/403/404 (pages send anonymous users to sign in).
Every read is also searched for EU delegation-only material, which no US or outside user and no
observer may ever see. A route missing from the matrix fails the test.
"""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient
from simple_history.admin import SimpleHistoryAdmin

from agreement.models import ExportJob
from negotiations import services as negotiation_services
from negotiations.models import Notification, Proposal, Resolution, Watch
from parties.access import actor_for
from parties.admin import SuperuserOnly
from parties.models import ApiToken, AuditEntry, Membership, Party
from parties.tokens import api_token_create
from tests.conftest import build_world, provision_maker
from tests.factories import MembershipFactory, PartyFactory

MARKER = "EU-DELEGATION-ONLY-4417"
ACTORS = [
    "anonymous",
    "us-observer",
    "us-reviewer",
    "us-negotiator",
    "us-lead",
    "eu-lead",
    "kr-lead",
    "staff",
]
SIGNED_IN = frozenset(ACTORS) - {"anonymous"}
PARTICIPANTS = SIGNED_IN - {"kr-lead"}
COMMENTERS = PARTICIPANTS - {"us-observer"}
EDITORS = COMMENTERS - {"us-reviewer"}
LEADS = frozenset({"us-lead", "eu-lead", "staff"})
PROPOSER_OR_CHAIR = frozenset({"us-lead", "staff"})  # procedural steps on the US's provision
STAFF = frozenset({"staff"})
AUDIT_READERS = frozenset({"us-lead", "eu-lead", "kr-lead", "staff"})
EVERYONE = frozenset(ACTORS)


@dataclass
class Scene:
    agreement: object
    chapter: object
    mineral: object
    provision: object
    round_1: object  # closed
    round_2: object  # open
    us_item: object
    eu_position: object
    us_comment: object
    export: object  # requested by us-negotiator
    notification: object  # for us-lead
    watch: object  # us-observer's
    users: dict
    sessions: dict = field(default_factory=dict)  # each signed-in actor's session key


@pytest.fixture(scope="module")
def module_scene(django_db_setup, django_db_blocker) -> Scene:
    """The scene, made once for the module in a transaction rolled back after it. Each test runs
    in a savepoint of that transaction (pytest-django's `db`), so what one test writes, the next
    never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        scene = build_scene(build_world())
        scene.sessions = {actor: session_of(user) for actor, user in scene.users.items()}
        yield scene
        transaction.set_rollback(True)


def session_of(user) -> str:
    """The key of a session signed in as `user`. Signing in (the signals, the audit log, axes'
    access log) is not what the matrix tests: each actor signs in once for the module."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def scene(module_scene, db) -> Scene:
    """The module's scene, in this test's savepoint; its objects are this test's own copies."""
    return copy.deepcopy(module_scene)


def build_scene(world) -> Scene:
    User = get_user_model()
    make_provision = provision_maker(world)
    secretariat = User.objects.get(username="secretariat")
    kr = PartyFactory(code="KR", name="Korea")
    MembershipFactory(user=User.objects.create(username="kr-lead"), party=kr, role="lead")
    staff = actor_for(secretariat)
    today = timezone.localdate()
    provision = make_provision(
        "1. The Parties [US: shall][EU: should] cooperate.", minerals=[world.mineral]
    )
    round_1 = negotiation_services.round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=today,
        ends_on=today,
    )
    round_1 = negotiation_services.round_close(actor=staff, round_=round_1)
    round_2 = negotiation_services.round_create(
        actor=staff,
        agreement=world.agreement,
        number=2,
        venue="Brussels",
        starts_on=today,
        ends_on=today,
    )
    eu_lead = actor_for(world.user("EU", "lead"))
    negotiation_services.comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body=f"{MARKER} comment",
        visibility="delegation",
    )
    eu_position = negotiation_services.position_record(
        actor=eu_lead,
        provision=provision,
        party=world.eu,
        stance="reserve",
        note="Shared EU note",
        internal_note=f"{MARKER} note",
    )
    us_comment = negotiation_services.comment_create(
        actor=actor_for(world.user("US", "reviewer")), provision=provision, body="Shared US remark"
    )
    us_item = negotiation_services.action_item_create(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        title="Consult capital",
        owner_party=world.us,
        assignee=world.user("US", "negotiator"),
        due_on=today,
    )
    export = ExportJob.objects.create(
        agreement=world.agreement,
        requested_by=world.user("US", "negotiator"),
        format="txt",
        variant="negotiating",
        as_of=timezone.now(),
        as_of_label="now",
        status="done",
    )
    notification = Notification.objects.create(
        recipient=world.user("US", "lead"),
        kind="text_changed",
        agreement=world.agreement,
        provision=provision,
        actor_label="EU · eu-lead",
        message="Article changed",
    )
    watch = Watch.objects.create(user=world.user("US", "observer"), provision=provision)
    users = {name: User.objects.get(username=name) for name in SIGNED_IN - {"staff"}}
    users["staff"] = secretariat
    return Scene(
        world.agreement,
        world.chapter,
        world.mineral,
        provision,
        round_1,
        round_2,
        us_item,
        eu_position,
        us_comment,
        export,
        notification,
        watch,
        users,
    )


@dataclass(frozen=True)
class Write:
    allowed: frozenset
    payload: Callable[[Scene], dict] = lambda s: {}
    query: str = ""
    # Fields only some actors send: the secretariat names the party and meeting it records for.
    also_sent_by: dict[str, Callable[[Scene], dict]] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    kwargs: Callable[[Scene], dict] = lambda s: {}
    reads: frozenset | None = None  # None: GET is not offered
    writes: dict[str, Write] = field(default_factory=dict)
    query: str = ""
    page: bool = False  # a browser page: anonymous users are sent to sign in


def pk(attr: str) -> Callable[[Scene], dict]:
    return lambda s: {"pk": getattr(s, attr).pk}


def current_version(s: Scene) -> int:
    return type(s.provision).objects.get(pk=s.provision.pk).version


def resolution(s: Scene) -> dict:
    """The scene's pending resolution, made on first use: the US proposes `shall`, so the US and
    the EU are asked to consent."""
    pending = Resolution.objects.filter(provision=s.provision).first()
    if pending is None:
        pending = negotiation_services.resolution_propose(
            actor=actor_for(s.users["us-negotiator"]),
            provision=s.provision,
            base_version=current_version(s),
            body=RESOLVED,
        )
    return {"pk": pending.pk}


def us_lead_token(s: Scene) -> dict:
    """us-lead's API token, made on first use: only its owner may revoke it."""
    owner = s.users["us-lead"]
    token = (
        ApiToken.objects.filter(user=owner).first()
        or api_token_create(actor=actor_for(owner), name="Script", lifetime_days=30)[0]
    )
    return {"token_key": token.token_key}


RESOLVED = "1. The Parties shall cooperate."  # the scene's provision, its brackets resolved


def own_edits() -> dict[str, Callable[[Scene], dict]]:
    """For each editor, an edit its party may make to the scene's provision: a group in its own
    name, or for the chair a change of common text with its reason (the negotiation rules)."""

    def edit(actor: str) -> Callable[[Scene], dict]:
        code = actor.split("-")[0].upper()

        def payload(s: Scene) -> dict:
            if actor == "staff":
                body = s.provision.body.replace("cooperate", "work together")
                return {"body": body, "version": 1, "reason": "Chair's wording"}
            return {"body": f"{s.provision.body} [{code}: x]", "version": 1}

        return payload

    return {actor: edit(actor) for actor in EDITORS}


# Consent and refusal: each party for itself (the US and the EU are asked), the secretariat in the
# room, naming the party and the meeting.
ANSWER = Write(
    frozenset({"us-negotiator", "us-lead", "eu-lead", "staff"}),
    lambda s: {"version": current_version(s)},
    also_sent_by={"staff": lambda s: {"party": "EU", "meeting": "Round 2 plenary, Brussels"}},
)
PAGE_ANSWER = Write(
    ANSWER.allowed,
    ANSWER.payload,
    also_sent_by={
        "staff": lambda s: {
            "party": s.users["eu-lead"].membership.party_id,
            "meeting": "Round 2 plenary, Brussels",
        }
    },
)
US_PROPOSER = frozenset({"us-negotiator", "us-lead"})  # the resolution's proposing party

PROPOSED = "1. The Parties [US: shall][EU: should] closely cooperate."  # a US proposal's text
US_DRAFTS_SEEN_BY = frozenset({"us-negotiator", "us-lead", "us-reviewer"})  # the US delegation


def _proposal(s: Scene, by: str, *, table: bool, note: str = "") -> int:
    found = Proposal.objects.filter(party=s.users[by].membership.party, note=note).first()
    if found is None:
        proposer = actor_for(s.users[by])
        found = negotiation_services.proposal_create(
            actor=proposer,
            provision=s.provision,
            base_version=current_version(s),
            body=PROPOSED,
            note=note,
        )
        if table:
            found = negotiation_services.proposal_table(actor=proposer, proposal=found)
    return found.pk


def us_draft(s: Scene) -> dict:
    """A US draft proposal (its delegation's alone), with an EU draft beside it that carries the
    EU's delegation-only marker: neither may show outside its delegation."""
    _proposal(s, "eu-lead", table=False, note=f"{MARKER} draft")
    return {"pk": _proposal(s, "us-negotiator", table=False, note="US draft")}


def us_tabled(s: Scene) -> dict:
    """A tabled US proposal, seen by every participant."""
    _proposal(s, "eu-lead", table=False, note=f"{MARKER} draft")
    return {"pk": _proposal(s, "us-negotiator", table=True, note="US tabled")}


def proposing(s: Scene) -> dict:
    return {"body": PROPOSED, "base_version": current_version(s), "intent": "draft"}


AGREEMENT, PROVISION = pk("agreement"), pk("provision")


def agency_provider(s: Scene) -> dict:
    return {"provider_id": "agency"}  # OIDC_PROVIDER_ID's default


TODAY = datetime.date(2026, 11, 27).isoformat()


def locked_account() -> dict:
    """An account locked at sign-in: five failures counted for it."""
    AccessAttempt.objects.create(
        username="eu-reviewer",
        ip_address="192.0.2.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    return {"username": "eu-reviewer"}


MATRIX: dict[str, Route] = {
    # --- pages ---
    "agreement:agreement-list": Route(reads=SIGNED_IN, page=True),
    "agreement:agreement-detail": Route(AGREEMENT, reads=PARTICIPANTS, page=True),
    "agreement:agreement-compare": Route(
        AGREEMENT, reads=PARTICIPANTS, page=True, query="?from=round:1"
    ),
    "agreement:mineral-list": Route(AGREEMENT, reads=PARTICIPANTS, page=True),
    "agreement:export": Route(
        AGREEMENT,
        reads=PARTICIPANTS,
        page=True,
        writes={
            "post": Write(
                PARTICIPANTS, lambda s: {"variant": "negotiating", "format": "txt", "point": "now"}
            )
        },
    ),
    "agreement:export-detail": Route(pk("export"), reads=frozenset({"us-negotiator"}), page=True),
    "provisions:provision-list": Route(
        AGREEMENT, reads=PARTICIPANTS, page=True, query="?q=cooperate"
    ),
    "provisions:provision-detail": Route(PROVISION, reads=PARTICIPANTS, page=True),
    "provisions:provision-edit": Route(
        PROVISION,
        reads=EDITORS,
        page=True,
        writes={
            "post": Write(
                EDITORS,
                lambda s: {
                    "heading": s.provision.heading,
                    "minerals": [m.pk for m in s.provision.minerals.all()],
                    "body": "New text.",
                    "version": 1,
                },
                also_sent_by=own_edits(),
            )
        },
    ),
    "provisions:provision-validate": Route(
        PROVISION, page=True, writes={"post": Write(EDITORS, lambda s: {"body": "[US: x]"})}
    ),
    "provisions:provision-status": Route(
        PROVISION,
        page=True,
        # The scene's provision is the US's: its lead (or the secretariat) tables it.
        writes={"post": Write(PROPOSER_OR_CHAIR, lambda s: {"status": "tabled", "version": 1})},
    ),
    "provisions:provision-presence": Route(
        PROVISION, page=True, writes={"post": Write(PARTICIPANTS)}
    ),
    "provisions:provision-history": Route(PROVISION, reads=PARTICIPANTS, page=True),
    "provisions:provision-compare": Route(PROVISION, reads=PARTICIPANTS, page=True),
    "provisions:provision-comment": Route(
        PROVISION,
        page=True,
        writes={"post": Write(COMMENTERS, lambda s: {"body": "Hm", "visibility": "shared"})},
    ),
    "provisions:provision-position": Route(
        PROVISION,
        page=True,
        writes={"post": Write(frozenset({"us-lead", "eu-lead"}), lambda s: {"stance": "support"})},
    ),
    "provisions:provision-consent": Route(
        PROVISION,
        page=True,
        writes={
            "post": Write(
                STAFF,
                lambda s: {
                    "party": s.users["eu-lead"].membership.party_id,
                    "meeting": "Round 2 plenary, Brussels",
                    "version": 1,
                },
            )
        },
    ),
    "parties:party-colours": Route(reads=EVERYONE),
    # The audit log: the secretariat reads all of it, a delegation's lead its own members' entries.
    "parties:audit-log": Route(reads=AUDIT_READERS, page=True, query="?kind=sign_in"),
    "parties:audit-export": Route(reads=AUDIT_READERS, page=True, query="?kind=sign_in"),
    "parties:api-tokens": Route(
        reads=SIGNED_IN,
        page=True,
        writes={
            "post": Write(SIGNED_IN, lambda s: {"name": "Nightly export", "lifetime_days": 30})
        },
    ),
    "parties:api-token-revoke": Route(
        us_lead_token, page=True, writes={"post": Write(frozenset({"us-lead"}))}
    ),
    "negotiations:round-list": Route(AGREEMENT, reads=PARTICIPANTS, page=True),
    "negotiations:round-detail": Route(pk("round_1"), reads=PARTICIPANTS, page=True),
    "negotiations:action-item-list": Route(
        AGREEMENT, reads=PARTICIPANTS, page=True, query="?tab=all"
    ),
    "negotiations:action-item-done": Route(
        pk("us_item"),
        page=True,
        writes={
            "post": Write(
                frozenset({"us-negotiator", "us-lead", "staff"}), lambda s: {"done": "true"}
            )
        },
    ),
    "negotiations:notification-list": Route(reads=SIGNED_IN, page=True),
    "negotiations:notification-read": Route(page=True, writes={"post": Write(SIGNED_IN)}),
    "negotiations:watch-create": Route(
        page=True, writes={"post": Write(PARTICIPANTS, lambda s: {"agreement": s.agreement.pk})}
    ),
    "negotiations:watch-delete": Route(
        pk("watch"), page=True, writes={"post": Write(frozenset({"us-observer"}))}
    ),
    "negotiations:resolution-propose": Route(
        PROVISION,
        reads=EDITORS,
        page=True,
        writes={
            "post": Write(EDITORS, lambda s: {"body": RESOLVED, "version": current_version(s)})
        },
    ),
    "negotiations:resolution-consent": Route(resolution, page=True, writes={"post": PAGE_ANSWER}),
    "negotiations:resolution-decline": Route(resolution, page=True, writes={"post": PAGE_ANSWER}),
    "negotiations:resolution-withdraw": Route(
        resolution, page=True, writes={"post": Write(US_PROPOSER)}
    ),
    "negotiations:proposal-create": Route(
        PROVISION,
        reads=EDITORS - STAFF,
        page=True,
        writes={"post": Write(EDITORS - STAFF, proposing)},
    ),
    "negotiations:proposal-list": Route(AGREEMENT, reads=PARTICIPANTS, page=True),
    "negotiations:proposal-detail": Route(us_tabled, reads=PARTICIPANTS, page=True),
    "negotiations:proposal-edit": Route(
        us_draft, reads=US_PROPOSER, page=True, writes={"post": Write(US_PROPOSER, proposing)}
    ),
    "negotiations:proposal-table": Route(us_draft, page=True, writes={"post": Write(US_PROPOSER)}),
    "negotiations:proposal-incorporate": Route(
        us_tabled,
        page=True,
        writes={"post": Write(STAFF, lambda s: {"version": current_version(s)})},
    ),
    "negotiations:proposal-accept": Route(
        us_tabled, page=True, writes={"post": Write(US_PROPOSER | STAFF)}
    ),
    "negotiations:proposal-reject": Route(
        us_tabled, page=True, writes={"post": Write(STAFF, lambda s: {"reason": "No consensus"})}
    ),
    "negotiations:proposal-withdraw": Route(
        us_tabled, page=True, writes={"post": Write(US_PROPOSER)}
    ),
    "account_login": Route(reads=EVERYONE),
    "account_logout": Route(page=True, writes={"post": Write(EVERYONE)}),
    "account_inactive": Route(reads=EVERYONE),  # where a deactivated account's sign-in ends
    "account_reauthenticate": Route(reads=SIGNED_IN, page=True),
    # Posting needs the actor's current password: tests/parties/test_account_pages.py.
    "account_change_password": Route(reads=SIGNED_IN, page=True),
    # Agency sign-in (OpenID Connect): with no provider configured here, nothing to start or return
    # to (tests/parties/test_agency_sign_in.py signs in through one); allauth's page for a sign-in
    # that failed at the provider answers 401 to everyone.
    "openid_connect_login": Route(
        agency_provider, reads=frozenset(), writes={"post": Write(frozenset())}
    ),
    "openid_connect_callback": Route(agency_provider, reads=frozenset()),
    "socialaccount_login_cancelled": Route(reads=EVERYONE),
    "socialaccount_login_error": Route(reads=frozenset()),
    # Two-factor (allauth.mfa): a user's own authenticators only; the actors here have none yet.
    "mfa_index": Route(reads=SIGNED_IN, page=True),
    "mfa_activate_totp": Route(reads=SIGNED_IN, page=True),
    "mfa_deactivate_totp": Route(reads=frozenset(), page=True),
    "mfa_view_recovery_codes": Route(reads=frozenset(), page=True),  # none to show: 404
    "mfa_generate_recovery_codes": Route(reads=SIGNED_IN, page=True),
    "mfa_download_recovery_codes": Route(reads=frozenset(), page=True),
    "mfa_reauthenticate": Route(reads=SIGNED_IN, page=True),
    # The code step of a sign-in under way; someone already signed in is sent on.
    "mfa_authenticate": Route(reads=SIGNED_IN, page=True),
    "parties:locked-accounts": Route(
        reads=STAFF, page=True, writes={"post": Write(STAFF, lambda s: locked_account())}
    ),
    "healthz": Route(reads=EVERYONE),
    "schema": Route(reads=SIGNED_IN),
    "swagger-ui": Route(reads=SIGNED_IN),
    # --- API ---
    "party-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                STAFF, lambda s: {"code": "NZ", "name": "New Zealand", "lead_agency": "MFAT"}
            )
        },
    ),
    "party-detail": Route(
        lambda s: {"pk": s.users["us-lead"].membership.party_id},
        reads=SIGNED_IN,
        writes={"patch": Write(STAFF, lambda s: {"lead_agency": "USTR"})},
    ),
    "agreement-list": Route(
        reads=SIGNED_IN, writes={"post": Write(STAFF, lambda s: {"title": "Another"})}
    ),
    "agreement-detail": Route(
        AGREEMENT,
        reads=PARTICIPANTS,
        writes={"patch": Write(STAFF, lambda s: {"status": "negotiating"})},
    ),
    "agreement-compare": Route(AGREEMENT, reads=PARTICIPANTS, query="?from=round:1"),
    "agreement-participants": Route(
        AGREEMENT, writes={"post": Write(STAFF, lambda s: {"party": "KR", "joined_on": TODAY})}
    ),
    "agreement-positions-matrix": Route(AGREEMENT, reads=PARTICIPANTS),
    "agreement-progress": Route(AGREEMENT, reads=PARTICIPANTS),
    "chapter-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                STAFF, lambda s: {"agreement": s.agreement.pk, "number": 9, "title": "Institutions"}
            )
        },
    ),
    "chapter-detail": Route(
        pk("chapter"),
        reads=PARTICIPANTS,
        writes={"patch": Write(STAFF, lambda s: {"title": "Trade"})},
    ),
    "mineral-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                STAFF,
                lambda s: {"agreement": s.agreement.pk, "name": "Tin", "hs_codes": ["8001.10"]},
            )
        },
    ),
    "mineral-detail": Route(
        pk("mineral"),
        reads=PARTICIPANTS,
        writes={"patch": Write(STAFF, lambda s: {"hs_codes": ["2825.20"]})},
    ),
    "export-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                PARTICIPANTS,
                lambda s: {"agreement": s.agreement.pk, "format": "txt", "variant": "negotiating"},
            )
        },
    ),
    "export-detail": Route(pk("export"), reads=frozenset({"us-negotiator"})),
    "export-download": Route(
        pk("export"), reads=frozenset()
    ),  # the scene's job has no file: 404 for all
    "provision-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                EDITORS,
                lambda s: {
                    "agreement": s.agreement.pk,
                    "chapter": s.chapter.pk,
                    "number": "9.1",
                    "heading": "New",
                    "category": "final",
                    "body": "Text.",
                },
            )
        },
    ),
    "provision-detail": Route(
        PROVISION,
        reads=PARTICIPANTS,
        writes={
            "patch": Write(EDITORS, lambda s: {"body": "x", "version": 1}, also_sent_by=own_edits())
        },
    ),
    "provision-diff": Route(PROVISION, reads=PARTICIPANTS),
    "provision-history": Route(PROVISION, reads=PARTICIPANTS),
    "provision-history-version": Route(
        lambda s: {"pk": s.provision.pk, "version": 1}, reads=PARTICIPANTS
    ),
    "provision-revert": Route(
        PROVISION, writes={"post": Write(EDITORS, lambda s: {"to_version": 1, "version": 1})}
    ),
    "provision-set-status": Route(
        PROVISION,
        writes={"post": Write(PROPOSER_OR_CHAIR, lambda s: {"status": "tabled", "version": 1})},
    ),
    "round-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                LEADS,
                lambda s: {
                    "agreement": s.agreement.pk,
                    "number": 3,
                    "venue": "Tokyo",
                    "starts_on": TODAY,
                    "ends_on": TODAY,
                },
            )
        },
    ),
    "round-detail": Route(
        pk("round_2"),
        reads=PARTICIPANTS,
        writes={"patch": Write(LEADS, lambda s: {"venue": "Bern"})},
    ),
    "round-changes": Route(pk("round_1"), reads=PARTICIPANTS),
    "round-close": Route(pk("round_2"), writes={"post": Write(LEADS)}),
    "position-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                frozenset({"us-lead"}),
                lambda s: {"provision": s.provision.pk, "party": "US", "stance": "support"},
            )
        },
    ),
    "position-detail": Route(
        pk("eu_position"),
        reads=PARTICIPANTS,
        writes={"patch": Write(frozenset({"eu-lead"}), lambda s: {"stance": "support"})},
    ),
    "comment-list": Route(
        reads=SIGNED_IN,
        writes={"post": Write(COMMENTERS, lambda s: {"provision": s.provision.pk, "body": "Hm"})},
    ),
    "comment-detail": Route(
        pk("us_comment"),
        reads=PARTICIPANTS,
        writes={
            "patch": Write(frozenset({"us-reviewer"}), lambda s: {"body": "Edited"}),
            # The secretariat moderates: it may remove (hide) a shared comment.
            "delete": Write(frozenset({"us-reviewer", "staff"})),
        },
    ),
    "comment-history": Route(pk("us_comment"), reads=PARTICIPANTS),
    "action-item-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                frozenset({"us-lead", "staff"}),
                lambda s: {"agreement": s.agreement.pk, "title": "Brief", "owner_party": "US"},
            )
        },
    ),
    "action-item-detail": Route(
        pk("us_item"),
        reads=PARTICIPANTS,
        writes={
            "patch": Write(frozenset({"us-lead", "staff"}), lambda s: {"title": "Brief capital"})
        },
    ),
    "watch-list": Route(
        reads=SIGNED_IN,
        writes={"post": Write(PARTICIPANTS, lambda s: {"provision": s.provision.pk})},
    ),
    "watch-detail": Route(pk("watch"), writes={"delete": Write(frozenset({"us-observer"}))}),
    "notification-list": Route(reads=SIGNED_IN),
    "notification-read": Route(writes={"post": Write(SIGNED_IN)}),
    "notification-unread-count": Route(reads=SIGNED_IN),
    "notification-detail": Route(pk("notification"), reads=frozenset({"us-lead"})),
    "resolution-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                EDITORS,
                lambda s: {
                    "provision": s.provision.pk,
                    "body": RESOLVED,
                    "version": current_version(s),
                },
            )
        },
    ),
    "resolution-detail": Route(resolution, reads=PARTICIPANTS),
    "resolution-consent": Route(resolution, writes={"post": ANSWER}),
    "resolution-decline": Route(resolution, writes={"post": ANSWER}),
    "resolution-withdraw": Route(resolution, writes={"post": Write(US_PROPOSER)}),
    "proposal-list": Route(
        reads=SIGNED_IN,
        writes={
            "post": Write(
                EDITORS - STAFF,
                lambda s: {
                    "provision": s.provision.pk,
                    "base_version": current_version(s),
                    "body": PROPOSED,
                },
            )
        },
    ),
    "proposal-detail": Route(
        us_draft,
        reads=US_DRAFTS_SEEN_BY,
        writes={"patch": Write(US_PROPOSER, lambda s: {"note": "Revised"})},
    ),
    "proposal-table": Route(us_draft, writes={"post": Write(US_PROPOSER)}),
    "proposal-incorporate": Route(
        us_tabled, writes={"post": Write(STAFF, lambda s: {"version": current_version(s)})}
    ),
    "proposal-accept": Route(us_tabled, writes={"post": Write(US_PROPOSER | STAFF)}),
    "proposal-reject": Route(
        us_tabled, writes={"post": Write(STAFF, lambda s: {"reason": "No consensus"})}
    ),
    "proposal-withdraw": Route(us_tabled, writes={"post": Write(US_PROPOSER)}),
}

DENIED = {401, 403, 404}


def client_for(scene: Scene, actor: str, *, page: bool = False) -> Client | APIClient:
    """Pages get form posts (Django's client); the API gets JSON (DRF's). Signed in with the
    actor's session (what a test does to it is rolled back with the rest)."""
    client = Client() if page else APIClient()
    if actor != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = scene.sessions[actor]
    return client


def url_of(name: str, route: Route, scene: Scene) -> str:
    return reverse(name, kwargs=route.kwargs(scene)) + route.query


def assert_denied(response, route: Route, actor: str, what: str) -> None:
    if actor == "anonymous" and route.page:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], what
    else:
        assert response.status_code in DENIED, f"{what}: {response.status_code}"


def _route_names() -> set[str]:
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # Django's admin: staff only, tested in tests/test_admin.py
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_route_is_in_the_matrix():
    routes = _route_names()
    assert sorted(routes - MATRIX.keys()) == [], "add these routes to the access matrix"
    assert sorted(MATRIX.keys() - routes) == [], "these routes no longer exist"


READ_CASES = [
    pytest.param(name, id=name) for name, route in MATRIX.items() if route.reads is not None
]


@pytest.mark.parametrize("name", READ_CASES)
def test_reads(name, scene):
    route = MATRIX[name]
    url = url_of(name, route, scene)
    for actor in ACTORS:
        response = client_for(scene, actor, page=route.page).get(url)

        what = f"GET {url} as {actor}"
        if actor in route.reads:
            redirected_elsewhere = (
                response.status_code == 302 and "/accounts/login/" not in response["Location"]
            )
            assert response.status_code == 200 or redirected_elsewhere, (
                f"{what}: {response.status_code}"
            )

        else:
            assert_denied(response, route, actor, what)
        if actor not in {"eu-lead"}:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert MARKER.encode() not in body, f"{what} shows EU delegation-only material"


WRITE_CASES = [
    pytest.param(name, method, actor, id=f"{name}-{method}-{actor}")
    for name, route in MATRIX.items()
    for method in route.writes
    for actor in ACTORS
]


@pytest.mark.parametrize(("name", "method", "actor"), WRITE_CASES)
def test_writes(name, method, actor, scene, django_capture_on_commit_callbacks):
    route = MATRIX[name]
    write = route.writes[method]
    url = url_of(name, route, scene)
    client = client_for(scene, actor, page=route.page)
    with django_capture_on_commit_callbacks(execute=True):
        extra = write.also_sent_by.get(actor, lambda s: {})(scene)
        response = getattr(client, method)(url, {**write.payload(scene), **extra})
    what = f"{method.upper()} {url} as {actor}"
    if actor in write.allowed:
        assert response.status_code < 400, (
            f"{what}: {response.status_code} {response.content[:300]!r}"
        )
    else:
        assert_denied(response, route, actor, what)


# --- the admin ---
# Every admin page of every registered model, for every role: everyone but staff is sent to sign in;
# staff (holding every permission) and superusers never read delegation-only material there; a
# view-only model offers no add, change or delete, and POSTs that would write around the services
# change nothing; models of other apps (accounts, groups, identity-provider links, authenticators)
# are for superusers alone.

VIEW_ONLY, THROUGH_SERVICES = "view-only", "through services"
ADMIN_MODELS = {
    "parties.party": THROUGH_SERVICES,
    "parties.membership": THROUGH_SERVICES,
    "parties.auditentry": VIEW_ONLY,
    "parties.apitoken": VIEW_ONLY,
    "agreement.agreement": THROUGH_SERVICES,
    "agreement.participation": THROUGH_SERVICES,
    "agreement.chapter": THROUGH_SERVICES,
    "agreement.mineral": THROUGH_SERVICES,
    "agreement.exportjob": VIEW_ONLY,
    "provisions.provision": VIEW_ONLY,
    "provisions.presence": VIEW_ONLY,
    "negotiations.round": THROUGH_SERVICES,
    "negotiations.position": VIEW_ONLY,
    "negotiations.comment": VIEW_ONLY,
    "negotiations.actionitem": VIEW_ONLY,
    "negotiations.watch": VIEW_ONLY,
    "negotiations.notification": VIEW_ONLY,
    "negotiations.proposal": VIEW_ONLY,
    "negotiations.resolution": VIEW_ONLY,
    "negotiations.consent": VIEW_ONLY,
}
ADMIN_ROLES = [*ACTORS, "superuser"]


def _registered():
    return admin.site._registry.items()


def _label(model) -> str:
    return model._meta.label_lower


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_scene(scene):
    """The scene, with each kind of delegation-only material the admin could show: the EU's comment
    and internal note (already there), an EU draft proposal and a notification for an EU member;
    staff holding every permission there is, and a superuser."""
    us_draft(scene)
    Notification.objects.create(
        recipient=scene.users["eu-lead"],
        kind="text_changed",
        agreement=scene.agreement,
        provision=scene.provision,
        actor_label="EU · eu-reviewer",
        message=f"{MARKER} notification",
    )
    scene.users["staff"].user_permissions.set(Permission.objects.all())
    scene.users["superuser"] = get_user_model().objects.create(
        username="root", is_staff=True, is_superuser=True
    )
    return scene


def _pages(model, model_admin) -> list[str]:
    """The changelist and add pages, and every object's change, history and delete pages (and each
    history row's page where the admin shows history rows)."""
    pages = [_admin_url(model, "changelist"), _admin_url(model, "add")]
    for obj in model._default_manager.all():
        key = quote(obj.pk)
        pages += [_admin_url(model, view, key) for view in ("change", "history", "delete")]
        if isinstance(model_admin, SimpleHistoryAdmin):
            pages += [
                _admin_url(model, "simple_history", key, record.history_id)
                for record in obj.history.all()
            ]
    return pages


def test_every_admin_model_is_in_the_matrix():
    ours = {_label(model) for model, _ in _registered() if model._meta.app_label in OUR_ADMIN_APPS}
    assert sorted(ours - ADMIN_MODELS.keys()) == [], "add these models to ADMIN_MODELS"
    others = [
        _label(model)
        for model, model_admin in _registered()
        if model._meta.app_label not in OUR_ADMIN_APPS
        and not isinstance(model_admin, SuperuserOnly)
    ]
    assert others == [], "models of other apps are for superusers only"


OUR_ADMIN_APPS = frozenset({"parties", "agreement", "provisions", "negotiations"})


@pytest.mark.parametrize("actor", ADMIN_ROLES)
def test_admin_pages(actor, admin_scene):
    client = Client()
    if actor != "anonymous":
        client.force_login(admin_scene.users[actor])
    is_staff = actor in {"staff", "superuser"}
    for model, model_admin in _registered():
        label, ours = _label(model), model._meta.app_label in OUR_ADMIN_APPS
        kind = ADMIN_MODELS.get(label) if ours else None
        pages = _pages(model, model_admin) if is_staff else [_admin_url(model, "changelist")]
        for url in pages:
            response = client.get(url)
            what = f"GET {url} as {actor}"
            if not is_staff:
                assert response.status_code == 302 and "login" in response["Location"], what
                continue
            assert MARKER.encode() not in response.content, f"{what} shows delegation-only material"
            status = response.status_code
            if not ours:
                assert status == (403 if actor == "staff" else 200) or (
                    actor == "superuser" and status == 302
                ), f"{what}: {status}"
            elif url.endswith("/add/"):
                assert status == (403 if kind == VIEW_ONLY else 200), f"{what}: {status}"
            elif url.endswith("/delete/"):
                assert status in (403, 302) or kind == THROUGH_SERVICES, f"{what}: {status}"
            else:
                # 302: an object this user may not read (the admin's list is the application's).
                assert status in (200, 302), f"{what}: {status}"
                if kind == VIEW_ONLY:
                    assert b'name="_save"' not in response.content, f"{what} offers to save"


def _our_rows() -> dict[str, list]:
    return {
        label: list(model._default_manager.order_by("pk").values())
        for model, _ in _registered()
        if (label := _label(model)) in ADMIN_MODELS
    }


@pytest.mark.parametrize("actor", ["staff", "superuser"])
def test_admin_posts_to_view_only_models_change_nothing(actor, admin_scene):
    client = Client()
    client.force_login(admin_scene.users[actor])
    before = _our_rows()
    for model, _ in _registered():
        if ADMIN_MODELS.get(_label(model)) != VIEW_ONLY:
            continue
        assert client.post(_admin_url(model, "add"), {}).status_code == 403, _label(model)
        objects = list(model._default_manager.all())
        for obj in objects:
            key = quote(obj.pk)
            for view, data in (("change", {"_save": "Save"}), ("delete", {"post": "yes"})):
                status = client.post(_admin_url(model, view, key), data).status_code
                assert status in (403, 302), f"POST {view} {_label(model)} {obj.pk}: {status}"
        client.post(
            _admin_url(model, "changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [quote(obj.pk) for obj in objects],
                "post": "yes",
            },
        )
    assert _our_rows() == before


@pytest.mark.parametrize("actor", ["staff", "superuser"])
def test_admin_writes_go_through_the_services(actor, admin_scene):
    """A party's code stays; nobody places themselves in a delegation; staff cannot make themselves
    superusers or grant themselves permissions."""
    me = admin_scene.users[actor]
    client = Client()
    client.force_login(me)
    us = Party.objects.get(code="US")
    response = client.post(
        _admin_url(Party, "change", us.pk),
        {
            "code": "XX",
            "name": "United States of America",
            "lead_agency": "USTR",
            "kind": "state",
            "colour": "#112233",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    us.refresh_from_db()
    assert (us.code, us.name) == ("US", "United States of America")

    eu = Party.objects.get(code="EU")
    placing_me = {"user": me.pk, "party": eu.pk, "role": "lead"}
    assert client.post(_admin_url(Membership, "add"), placing_me).status_code == 200  # refused
    assert not Membership.objects.filter(user=me).exists()

    newcomer = get_user_model().objects.create(username="newcomer")
    placing = {"user": newcomer.pk, "party": eu.pk, "role": "reviewer"}
    assert client.post(_admin_url(Membership, "add"), placing).status_code == 302
    placed = Membership.objects.get(user=newcomer)
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.MEMBERSHIP_CHANGED, subject=newcomer)
    assert (entry.actor, entry.detail) == (me, "no delegation → EU reviewer")
    assert (
        client.post(_admin_url(Membership, "delete", placed.pk), {"post": "yes"}).status_code == 302
    )
    assert not Membership.objects.filter(user=newcomer).exists()
    assert AuditEntry.objects.filter(subject=newcomer).count() == 2

    account = _admin_url(get_user_model(), "change", me.pk)
    response = client.post(
        account,
        {"username": me.username, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )
    me.refresh_from_db()
    if actor == "staff":
        assert response.status_code == 403 and not me.is_superuser
        group = Group.objects.create(name="Secretariat")
        assert client.get(_admin_url(Group, "change", group.pk)).status_code == 403
        assert client.post(_admin_url(Group, "add"), {"name": "Mine"}).status_code == 403
