"""Every write to agreements, their participants, chapters and covered minerals."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from parties.access import Actor, Capability, require
from parties.models import Party

from .models import Agreement, Chapter, Mineral, Participation


def agreement_require_participant(actor: Actor, agreement: Agreement, *, to_write: bool) -> None:
    """Refuse a party that does not take part in the agreement (or, to write, only observes it)."""
    if actor.is_secretariat:
        return
    participation = (
        Participation.objects.filter(agreement=agreement, party_id=actor.party_id).first()
        if actor.party_id
        else None
    )
    if participation is None:
        raise PermissionDenied("Your party does not take part in this agreement.")
    if to_write and participation.standing != Participation.Standing.PARTICIPANT:
        raise PermissionDenied("Your party observes this agreement and cannot change it.")


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    title: str,
    short_title: str = "",
    status: str = Agreement.Status.SCOPING,
    description: str = "",
) -> Agreement:
    """The secretariat opens an agreement."""
    require(actor, Capability.ADMINISTER)
    agreement = Agreement(
        title=title, short_title=short_title, status=status, description=description
    )
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def agreement_update(*, actor: Actor, agreement: Agreement, **changes) -> Agreement:
    """The secretariat renames an agreement or moves it between scoping, negotiating and concluded."""
    require(actor, Capability.ADMINISTER)
    if unknown := changes.keys() - {"title", "short_title", "status", "description"}:
        raise TypeError(f"agreement_update cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(agreement, field, value)
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def participation_add(
    *,
    actor: Actor,
    agreement: Agreement,
    party: Party,
    joined_on: datetime.date,
    standing: str = Participation.Standing.PARTICIPANT,
) -> Participation:
    """The secretariat admits a party, as participant or observer, from a date."""
    require(actor, Capability.ADMINISTER)
    participation = Participation(
        agreement=agreement, party=party, joined_on=joined_on, standing=standing
    )
    participation.full_clean()
    participation.save()
    return participation


@transaction.atomic
def chapter_create(*, actor: Actor, agreement: Agreement, number: int, title: str) -> Chapter:
    require(actor, Capability.ADMINISTER)
    chapter = Chapter(agreement=agreement, number=number, title=title)
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def chapter_update(
    *, actor: Actor, chapter: Chapter, number: int | None = None, title: str | None = None
) -> Chapter:
    require(actor, Capability.ADMINISTER)
    if number is not None:
        chapter.number = number
    if title is not None:
        chapter.title = title
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def mineral_create(
    *, actor: Actor, agreement: Agreement, name: str, hs_codes: list[str]
) -> Mineral:
    require(actor, Capability.ADMINISTER)
    mineral = Mineral(agreement=agreement, name=name, hs_codes=list(hs_codes))
    mineral.full_clean()
    mineral.save()
    return mineral


@transaction.atomic
def mineral_update(
    *, actor: Actor, mineral: Mineral, name: str | None = None, hs_codes: list[str] | None = None
) -> Mineral:
    require(actor, Capability.ADMINISTER)
    if name is not None:
        mineral.name = name
    if hs_codes is not None:
        mineral.hs_codes = list(hs_codes)
    mineral.full_clean()
    mineral.save()
    return mineral
