"""Reads of rounds, positions, comments and action items, with delegation-only material filtered."""

from django.db.models import QuerySet

from agreement.selectors import agreement_list_for
from parties.access import Actor

from .models import ActionItem, Comment, Position, Round


def round_list_for(actor: Actor) -> QuerySet[Round]:
    return Round.objects.filter(agreement__in=agreement_list_for(actor)).select_related("agreement")


def position_list_for(actor: Actor) -> QuerySet[Position]:
    return Position.objects.filter(
        provision__agreement__in=agreement_list_for(actor)
    ).select_related("party", "provision")


def comment_list_for(actor: Actor) -> QuerySet[Comment]:
    """Shared comments, plus the actor's own delegation's internal ones; never another party's."""
    return (
        Comment.objects.filter(provision__agreement__in=agreement_list_for(actor))
        .visible_to_party(
            actor.party_id,
            sees_delegation_material=actor.sees_delegation_material_of(actor.party_id),
        )
        .select_related("author", "party", "provision")
    )


def action_item_list_for(actor: Actor) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(agreement__in=agreement_list_for(actor)).select_related(
        "owner_party", "assignee", "provision", "round", "agreement"
    )
