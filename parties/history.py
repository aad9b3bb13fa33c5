"""Stamps every history row of a party-stamped model with its author's party code."""

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from .models import Membership, PartyStampedHistory


@receiver(pre_create_historical_record)
def stamp_history_party(sender, history_instance, history_user, **kwargs) -> None:
    if not isinstance(history_instance, PartyStampedHistory) or history_user is None:
        return
    membership = Membership.objects.filter(user=history_user).select_related("party").first()
    history_instance.history_party = membership.party.code if membership else ""
