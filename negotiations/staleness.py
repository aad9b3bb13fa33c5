"""Resolutions go stale when the text they were proposed on changes.

Consent to remove brackets is given on one version of the text. When a provision's text changes by
any other means (an edit, an incorporated proposal, another resolution adopted, a revert), the
pending resolutions on it can no longer take effect: they become stale, and the parties that had
already consented are told that their consent no longer counts.

Kept apart from `negotiations.services` because the provisions write path calls it: that module
imports `provisions.services`, this one must not.
"""

from django.utils import timezone

from parties.access import Actor
from provisions.models import Provision

from .models import Consent, Notification, Resolution
from .notifications import Event, notification_publish


def resolution_mark_stale(*, actor: Actor, provision: Provision) -> list[Resolution]:
    """Mark stale every pending resolution on `provision` proposed on a text older than its
    current one (`text_version`), and tell the parties that had consented to each.

    Runs inside the caller's transaction (the write that changed the text).
    """
    stale = list(
        Resolution.objects.select_for_update()
        .filter(
            provision_id=provision.pk,
            state=Resolution.State.PENDING,
            base_version__lt=provision.text_version,
        )
        .order_by("pk")
    )
    for resolution in stale:
        resolution_set_stale(actor=actor, resolution=resolution, provision=provision)
    return stale


def resolution_set_stale(*, actor: Actor, resolution: Resolution, provision: Provision) -> None:
    """One pending resolution whose text changed: stale, and the parties that had consented are
    told their consent no longer counts."""
    resolution.state, resolution.decided_at = Resolution.State.STALE, timezone.now()
    resolution.full_clean()
    resolution.save(update_fields=["state", "decided_at"])
    consented = list(
        resolution.consents.filter(answer=Consent.Answer.CONSENT)
        .order_by("party__code")
        .values_list("party_id", "party__code")
    )
    if not consented:
        return
    codes = ", ".join(code for _, code in consented)
    notification_publish(
        Event(
            kind=Notification.Kind.CONSENT,
            agreement=provision.agreement,
            provision=provision,
            actor=actor,
            message=f"Resolution #{resolution.pk} on Article {provision.number} is stale: the "
            f"text changed (now version {provision.version}) after version "
            f"{resolution.base_version}, on which {codes} consented; that consent no longer "
            "counts.",
            concerned_parties=tuple(party_id for party_id, _ in consented),
        )
    )
