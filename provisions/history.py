"""Keeps a provision's history one row per version: its minerals change only inside a version.

simple-history records the minerals of each version, and writes a row of its own for every change
to them. The services set minerals inside a version's write, with that row switched off, just before
the version's own row records them (`services._set_minerals`). Any other change, from either side
of the relation, would add a second row at the same version: it is refused.
"""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .models import Provision


class MineralsChangedOutsideAVersion(RuntimeError):
    pass


@receiver(m2m_changed, sender=Provision.minerals.through)
def refuse_minerals_changed_outside_a_version(sender, instance, action, **kwargs) -> None:
    if action.startswith("pre_") and not getattr(instance, "skip_history_when_saving", False):
        raise MineralsChangedOutsideAVersion(
            "Change a provision's minerals through provisions.services (provision_update), "
            "which records them in that version's history row."
        )
