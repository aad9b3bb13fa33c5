"""Loads the demo agreement through the services, so demo data obeys every rule real data does.

Idempotent: whatever already exists (by its natural key) is left as it is.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from negotiations import services as negotiation_services
from negotiations.models import ActionItem, Comment, Position, Round
from parties import services as party_services
from parties.access import Actor, actor_for
from parties.models import Party
from provisions import services as provision_services
from provisions.models import AGREED_STATUSES, Provision

from . import demo_content as content
from . import services
from .models import Agreement, Chapter, Mineral, Participation

User = get_user_model()
SECRETARIAT_USERNAME = "secretariat"


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    usernames: list[str] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


def _user(username: str, report: DemoReport, *, is_staff: bool = False):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_staff=is_staff, is_superuser=is_staff)
        user.set_password(content.PASSWORD)
        user.save()
        report.count("users")
    report.usernames.append(username)
    return user


def _load_parties(secretariat: Actor, agreement: Agreement, report: DemoReport) -> dict[str, Party]:
    parties = {}
    for code, name, agency, kind, colour, joined_on in content.PARTIES:
        party = Party.objects.filter(code=code).first()
        if party is None:
            party = party_services.party_create(
                actor=secretariat,
                code=code,
                name=name,
                lead_agency=agency,
                kind=kind,
                colour=colour,
            )
            report.count("parties")
        if not Participation.objects.filter(agreement=agreement, party=party).exists():
            services.participation_add(
                actor=secretariat, agreement=agreement, party=party, joined_on=joined_on
            )
        for role in content.ROLES:
            user = _user(f"{code.lower()}-{role}", report)
            if not hasattr(user, "membership"):
                party_services.membership_set(actor=secretariat, user=user, party=party, role=role)
        parties[code] = party
    return parties


def _load_structure(secretariat: Actor, agreement: Agreement, report: DemoReport):
    chapters = {}
    for number, title in content.CHAPTERS:
        chapter = Chapter.objects.filter(agreement=agreement, number=number).first()
        if chapter is None:
            chapter = services.chapter_create(
                actor=secretariat, agreement=agreement, number=number, title=title
            )
            report.count("chapters")
        chapters[number] = chapter
    minerals = {}
    for name, hs_codes in content.MINERALS:
        mineral = Mineral.objects.filter(agreement=agreement, name=name).first()
        if mineral is None:
            mineral = services.mineral_create(
                actor=secretariat, agreement=agreement, name=name, hs_codes=hs_codes
            )
            report.count("minerals")
        minerals[name] = mineral
    return chapters, minerals


def _negotiator(code: str) -> Actor:
    return actor_for(User.objects.get(username=f"{code.lower()}-negotiator"))


def _lead(code: str) -> Actor:
    return actor_for(User.objects.get(username=f"{code.lower()}-lead"))


def _walk_statuses(provision: Provision, lead: Actor) -> None:
    statuses = dict(content.AGREED).get(provision.number)
    if statuses is None:
        statuses = ["tabled"]
        if provision.number in content.UNDER_NEGOTIATION:
            statuses.append("under_negotiation")
    for status in statuses:
        if status in AGREED_STATUSES:
            _agree_by_every_participant(provision)
        provision = provision_services.provision_set_status(
            actor=lead, provision=provision, status=status
        )


def _agree_by_every_participant(provision: Provision) -> None:
    """Consensus to agree: each participant's lead agrees the text as it stands."""
    participants = provision.agreement.participations.filter(
        standing=Participation.Standing.PARTICIPANT
    ).select_related("party")
    for participation in participants:
        party = participation.party
        position = Position.objects.filter(provision=provision, party=party).first()
        if position is not None and position.stance == Position.Stance.AGREE:
            continue
        negotiation_services.position_record(
            actor=_lead(party.code),
            provision=provision,
            party=party,
            stance=Position.Stance.AGREE,
            seen_version=provision.version,
        )


@transaction.atomic
def demo_load() -> DemoReport:
    """Create (or complete) the demo agreement, its delegations and the state of play after Round 1."""
    report = DemoReport()
    secretariat_user = _user(SECRETARIAT_USERNAME, report, is_staff=True)
    secretariat = actor_for(secretariat_user)

    agreement = Agreement.objects.filter(title=content.AGREEMENT_TITLE).first()
    if agreement is None:
        agreement = services.agreement_create(
            actor=secretariat,
            title=content.AGREEMENT_TITLE,
            short_title="Critical Minerals Agreement",
            status=Agreement.Status.NEGOTIATING,
            description="A plurilateral trade initiative on critical minerals supply chain resilience, "
            "developed from the US-EU action plan with like-minded partners.",
        )
        report.count("agreements")
    parties = _load_parties(secretariat, agreement, report)
    chapters, minerals = _load_structure(secretariat, agreement, report)

    rounds = {}
    for number, venue, starts_on, ends_on in content.ROUNDS:
        round_ = Round.objects.filter(agreement=agreement, number=number).first()
        if round_ is None:
            round_ = negotiation_services.round_create(
                actor=secretariat,
                agreement=agreement,
                number=number,
                venue=venue,
                starts_on=starts_on,
                ends_on=ends_on,
            )
            report.count("rounds")
        rounds[number] = round_

    new_provisions = []
    for (
        number,
        chapter,
        heading,
        category,
        proposer,
        mineral_names,
        body,
        revisions,
    ) in content.PROVISIONS:
        if Provision.objects.filter(agreement=agreement, number=number).exists():
            continue
        # The Round 1 texts came in from the parties already consolidated, each party's
        # alternatives in its own name: the secretariat tables them as such.
        provision = provision_services.provision_create(
            actor=secretariat,
            agreement=agreement,
            chapter=chapters[chapter],
            number=number,
            heading=heading,
            category=category,
            body=body,
            proposed_by=parties[proposer],
            minerals=[minerals[name] for name in mineral_names],
            tabled_from="Round 1 draft as sent in by the parties",
        )
        _walk_statuses(provision, _lead(proposer))
        new_provisions.append((provision.pk, proposer, revisions))
        report.count("provisions")

    # Round 1 closes on the text as tabled; the revisions below are the Round 2 draft.
    if not rounds[1].is_closed:
        negotiation_services.round_close(actor=secretariat, round_=rounds[1])
    for pk, _proposer, revisions in new_provisions:
        for body, reason, author in revisions:
            provision = Provision.objects.get(pk=pk)
            provision_services.provision_update(
                # Each party revises its own language; the chair (None) the common text.
                actor=secretariat if author is None else _negotiator(author),
                provision=provision,
                expected_version=provision.version,
                body=body,
                reason=reason,
            )

    provisions = {p.number: p for p in Provision.objects.filter(agreement=agreement)}
    for number, code, stance, note, internal_note in content.POSITIONS:
        if not Position.objects.filter(provision=provisions[number], party=parties[code]).exists():
            negotiation_services.position_record(
                actor=_lead(code),
                provision=provisions[number],
                party=parties[code],
                stance=stance,
                note=note,
                internal_note=internal_note,
            )
            report.count("positions")
    for number, username, visibility, body in content.COMMENTS:
        author = User.objects.get(username=username)
        if not Comment.objects.filter(
            provision=provisions[number], author=author, body=body
        ).exists():
            negotiation_services.comment_create(
                actor=actor_for(author),
                provision=provisions[number],
                body=body,
                visibility=visibility,
                provision_version=provisions[number].version,
            )
            report.count("comments")
    for title, code, assignee, due_on, number in content.ACTION_ITEMS:
        if not ActionItem.objects.filter(agreement=agreement, title=title).exists():
            negotiation_services.action_item_create(
                actor=_lead(code),
                agreement=agreement,
                title=title,
                owner_party=parties[code],
                assignee=User.objects.get(username=assignee),
                due_on=due_on,
                provision=provisions[number],
                round=rounds[2],
            )
            report.count("action items")
    if not agreement.proposals.exists():
        _negotiate(secretariat, agreement, parties, report)
    return report


def _negotiate(secretariat: Actor, agreement: Agreement, parties, report: DemoReport) -> None:
    """Proposals, a resolution waiting for the EU and a consent gone stale: the rules at work."""
    provisions = {p.number: p for p in Provision.objects.filter(agreement=agreement)}
    for number, code, old, new, note, outcome in content.PROPOSALS:
        provision = Provision.objects.get(pk=provisions[number].pk)
        proposal = negotiation_services.proposal_create(
            actor=_negotiator(code),
            provision=provision,
            base_version=provision.version,
            body=provision.body.replace(old, new),
            note=note,
        )
        proposal = negotiation_services.proposal_table(actor=_negotiator(code), proposal=proposal)
        if outcome == "incorporated":
            negotiation_services.proposal_incorporate(actor=secretariat, proposal=proposal)
        report.count("proposals")

    number, bracketed, resolved, note = content.RESOLUTION
    provision = Provision.objects.get(pk=provisions[number].pk)
    resolution = negotiation_services.resolution_propose(
        actor=secretariat,
        provision=provision,
        base_version=provision.version,
        body=provision.body.replace(bracketed, resolved),
        note=note,
    )
    for code, meeting in content.RESOLUTION_CONSENTS:
        negotiation_services.resolution_consent(
            actor=secretariat if meeting else _lead(code),
            resolution=resolution,
            expected_version=provision.version,
            party=parties[code] if meeting else None,
            meeting=meeting,
        )
    report.count("resolutions")

    number, code, old, new, reason = content.STALE_CONSENT
    provision = Provision.objects.get(pk=provisions[number].pk)
    negotiation_services.position_record(
        actor=_lead(code),
        provision=provision,
        party=parties[code],
        stance=Position.Stance.AGREE,
        seen_version=provision.version,
    )
    provision_services.provision_update(
        actor=secretariat,
        provision=provision,
        expected_version=provision.version,
        body=provision.body.replace(old, new),
        reason=reason,
    )
