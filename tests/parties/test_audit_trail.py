"""The issue's acceptance line for the audit log: a sign-in, a lockout, an unlock, a token
revocation and a comment deletion, each done through the pages and the API a person uses, are
listed on the secretariat's audit page and in its CSV, and the delegation's lead sees them too."""

import csv
import io
import re

from negotiations.services import comment_create
from parties.access import actor_for
from parties.models import ApiToken, AuditEntry

PASSWORD = "pw"


def listed_events(response) -> set[str]:
    """The events in the audit page's table (the second cell of each row)."""
    return set(
        re.findall(
            r"<tr>\s*<td><time[^>]*>[^<]*</time></td>\s*<td>([^<]+)</td>", response.content.decode()
        )
    )


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"login": username, "password": password})


def test_the_audit_page_lists_what_happened_to_an_account(
    world, client, secretariat, api, make_provision
):
    negotiator = world.user("EU", "negotiator")
    secretariat_client = client.__class__()
    secretariat_client.force_login(secretariat)

    # A lockout: the fifth wrong password locks the account; then even the right one is refused.
    for _ in range(4):
        assert sign_in(client, "eu-negotiator", "wrong").status_code == 200
    assert sign_in(client, "eu-negotiator", "wrong").status_code == 429
    assert sign_in(client, "eu-negotiator").status_code == 429

    # The secretariat unlocks the account on its page; the right password now signs in.
    locked = secretariat_client.get("/accounts/locked/")
    assert b"eu-negotiator" in locked.content
    assert (
        secretariat_client.post("/accounts/locked/", {"username": "eu-negotiator"}).status_code
        == 302
    )
    assert sign_in(client, "eu-negotiator").status_code == 302

    # A token made and revoked on the tokens page.
    assert (
        client.post(
            "/accounts/tokens/", {"name": "drafting script", "lifetime_days": 30}
        ).status_code
        == 200
    )
    token = ApiToken.objects.get(user=negotiator)
    revoke = client.post(f"/accounts/tokens/{token.token_key}/revoke/")
    assert revoke.status_code == 302 and not ApiToken.objects.exists()

    # A comment deleted through the API: hidden, kept, audited.
    comment = comment_create(
        actor=actor_for(negotiator), provision=make_provision(), body="A note to withdraw"
    )
    assert api(negotiator).delete(f"/api/v1/comments/{comment.pk}/").status_code == 204

    expected = {
        AuditEntry.Kind.SIGN_IN,
        AuditEntry.Kind.LOCKOUT,
        AuditEntry.Kind.UNLOCK,
        AuditEntry.Kind.TOKEN_REVOKED,
        AuditEntry.Kind.COMMENT_DELETED,
    }
    about_negotiator = AuditEntry.objects.filter(username="eu-negotiator")
    assert expected <= set(about_negotiator.values_list("kind", flat=True))

    page = secretariat_client.get("/audit/", {"username": "eu-negotiator"})
    assert page.status_code == 200
    assert {kind.label for kind in expected} <= listed_events(page)

    listed = secretariat_client.get("/audit/export.csv", {"username": "eu-negotiator"})
    rows = list(csv.reader(io.StringIO(b"".join(listed.streaming_content).decode())))
    labels = {cell for row in rows[1:] for cell in row}
    assert {kind.label for kind in expected} <= labels

    lead_client = client.__class__()
    lead_client.force_login(world.user("EU", "lead"))
    lead_page = lead_client.get("/audit/", {"username": "eu-negotiator"})
    assert lead_page.status_code == 200
    assert {kind.label for kind in expected} <= listed_events(lead_page)
    other_lead = client.__class__()
    other_lead.force_login(world.user("US", "lead"))
    assert listed_events(other_lead.get("/audit/", {"username": "eu-negotiator"})) == set()
