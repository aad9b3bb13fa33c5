"""The audit log: who reads which entries, the page's filters and CSV export by every role,
membership changes audited, and entries that nothing in the application changes or removes."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from parties.access import actor_for
from parties.audit import audit_record
from parties.models import AuditEntry, Membership
from parties.selectors import audit_entries_for
from parties.services import membership_remove, membership_set
from tests.factories import PartyFactory, UserFactory

Kind = AuditEntry.Kind
PAGE, CSV = "/audit/", "/audit/export.csv"
ROLES = ["observer", "reviewer", "negotiator", "lead"]


@pytest.fixture
def entries(world, secretariat):
    """A token created by a member of each delegation, a failed sign-in naming no account, and a
    token revocation by the secretariat itself. (Signing in, as tests do, adds entries too.)"""
    made = {
        code: audit_record(Kind.TOKEN_CREATED, subject=world.user(code, "negotiator"))
        for code in ("US", "EU", "JP")
    }
    made["nobody"] = audit_record(Kind.SIGN_IN_FAILED, username="=cmd|' /C calc'!A0")
    made["secretariat"] = audit_record(
        Kind.TOKEN_REVOKED, actor=secretariat, subject=secretariat, detail="Token “CI”"
    )
    return made


def signed_in(client, user):
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- who reads what ---


def test_the_secretariat_reads_every_entry_and_a_lead_its_own_delegations(
    world, secretariat, entries
):
    assert set(audit_entries_for(actor_for(secretariat))) == set(entries.values())
    assert list(audit_entries_for(actor_for(world.user("EU", "lead")))) == [entries["EU"]]
    for role in ("observer", "reviewer", "negotiator"):
        assert not audit_entries_for(actor_for(world.user("EU", role))).exists()
    assert not audit_entries_for(actor_for(UserFactory(username="no-delegation"))).exists()


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_who_may_open_the_page_and_its_export(client, world, secretariat, entries, url):
    assert client.get(url).status_code == 302  # anonymous: to sign in
    assert "/accounts/login/" in client.get(url)["Location"]
    for code in ("US", "EU", "JP"):
        for role in ROLES:
            response = signed_in(client, world.user(code, role)).get(url)
            assert response.status_code == (200 if role == "lead" else 403), (code, role)
    assert signed_in(client, UserFactory(username="no-delegation")).get(url).status_code == 403
    assert signed_in(client, secretariat).get(url).status_code == 200


def test_a_lead_sees_only_entries_about_its_own_members(client, world, entries):
    page = signed_in(client, world.user("EU", "lead")).get(PAGE).content.decode()
    assert "eu-negotiator" in page
    assert "us-negotiator" not in page and "jp-negotiator" not in page
    assert "calc" not in page and "secretariat" not in page.split("<main", 1)[1]
    assert 'name="party"' not in page  # no party filter: a lead's log is its delegation's
    # A party filter sent anyway changes nothing.
    other = client.get(PAGE, {"party": "US"}).content.decode()
    assert "eu-negotiator" in other and "us-negotiator" not in other
    rows = csv_rows(client.get(CSV, {"party": "US"}))
    assert {row[2] for row in rows[1:]} == {"eu-negotiator", "eu-lead"}  # eu-lead signed in


def test_the_secretariat_sees_everything_newest_first(client, secretariat, entries):
    page = signed_in(client, secretariat).get(PAGE).content.decode()
    positions = [page.index(name) for name in ("Token “CI”", "calc", "jp-negotiator")]
    assert positions == sorted(positions)
    assert 'name="party"' in page
    assert "Download these entries as CSV" in page


# --- filters ---


def test_filters_by_kind_username_party_and_dates(client, world, secretariat, entries):
    signed_in(client, secretariat)

    def usernames(**query) -> list[str]:
        return [row[2] for row in csv_rows(client.get(CSV, query))[1:]]

    assert sorted(usernames(kind=Kind.TOKEN_CREATED)) == [
        "eu-negotiator",
        "jp-negotiator",
        "us-negotiator",
    ]
    assert usernames(username="EU-NEG") == ["eu-negotiator"]
    assert usernames(party="JP") == ["jp-negotiator"]
    today = timezone.localdate()
    everything = AuditEntry.objects.count()
    assert len(usernames(date_from=today.isoformat(), date_to=today.isoformat())) == everything
    assert usernames(date_from=(today + datetime.timedelta(days=1)).isoformat()) == []
    assert usernames(date_to=(today - datetime.timedelta(days=1)).isoformat()) == []

    page = client.get(PAGE, {"kind": Kind.TOKEN_CREATED, "username": "eu"})
    assert page.status_code == 200
    assert "eu-negotiator" in page.content.decode()
    assert "us-negotiator" not in page.content.decode()
    # The CSV link carries the filters.
    assert f"{CSV}?kind=token_created&amp;username=eu" in page.content.decode()


@pytest.mark.parametrize(
    "query", [{"kind": "no-such-kind"}, {"date_from": "yesterday"}, {"party": "ZZ"}]
)
def test_bad_filters_answer_400_saying_what_is_wrong(client, secretariat, entries, query):
    signed_in(client, secretariat)
    page = client.get(PAGE, query)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    export = client.get(CSV, query)
    assert export.status_code == 400
    assert next(iter(query)).encode() in export.content


def test_pages_of_a_hundred_newest_first(client, world, secretariat):
    subject = world.user("US", "lead")
    for number in range(130):
        audit_record(Kind.SIGN_IN, subject=subject, detail=f"entry {number:03d}")
    signed_in(client, secretariat)
    first = client.get(PAGE, {"username": "us-lead"}).content.decode()
    assert "entry 129" in first and "entry 030" in first and "entry 029" not in first
    assert "Page 1 of 2" in first
    second = client.get(PAGE, {"username": "us-lead", "page": 2}).content.decode()
    assert "entry 029" in second and "entry 000" in second and "entry 030" not in second
    # The export is not paginated.
    assert len(csv_rows(client.get(CSV, {"username": "us-lead"}))) == 131


# --- the export ---


def test_csv_has_a_header_every_entry_and_no_spreadsheet_formula(client, secretariat, entries):
    response = signed_in(client, secretariat).get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    header, *rows = csv_rows(response)
    assert header == ["When (UTC)", "Event", "Username", "Party", "By", "Client address", "Detail"]
    assert len(rows) == AuditEntry.objects.count()
    revoked = next(row for row in rows if row[1] == "API token revoked")
    assert revoked[2:] == ["secretariat", "", "secretariat", "", "Token “CI”"]
    assert datetime.datetime.fromisoformat(revoked[0]).utcoffset() == datetime.timedelta(0)
    failed = next(row for row in rows if row[1] == "Sign-in failed")
    assert failed[2] == "'=cmd|' /C calc'!A0"  # quoted: a spreadsheet shows it, never runs it


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_neither_the_page_nor_the_export_makes_a_query_per_entry(
    client, django_assert_num_queries, world, secretariat
):
    signed_in(client, secretariat)
    subject, lead = world.user("EU", "reviewer"), world.user("EU", "lead")
    audit_record(Kind.SIGN_IN, actor=lead, subject=subject)
    few = {url: _queries(client, url) for url in (PAGE, CSV)}
    for _ in range(60):
        audit_record(Kind.SIGN_IN, actor=lead, subject=subject)
    for url, count in few.items():
        with django_assert_num_queries(count):
            response = client.get(url)
            body = csv_rows(response) if response.streaming else response.content.decode()
        if url == CSV:
            assert len(body) == 1 + AuditEntry.objects.count()
        else:
            assert f"{AuditEntry.objects.count()} entries" in body


def test_a_large_export_streams_every_row(client, secretariat):
    subject = get_user_model().objects.create(username="many")
    AuditEntry.objects.bulk_create(
        AuditEntry(kind=Kind.SIGN_IN_FAILED, subject=subject, username="many") for _ in range(5000)
    )
    response = signed_in(client, secretariat).get(CSV, {"username": "many"})
    assert response.status_code == 200
    assert len(csv_rows(response)) == 5001


# --- entries cannot be changed or deleted ---


def test_entries_refuse_change_and_deletion(entries):
    entry = entries["EU"]
    entry.detail = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.detail == "" and AuditEntry.objects.count() == 5


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_pages_take_no_write(client, secretariat, entries, method):
    signed_in(client, secretariat)
    before = list(AuditEntry.objects.values())
    for url in (PAGE, CSV):
        assert getattr(client, method)(url).status_code == 405
    assert list(AuditEntry.objects.values()) == before


# --- entries outlive what they name ---


def test_an_entry_outlives_the_account_and_the_party_it_names(client, world, secretariat):
    """Deleting an account or a party is neither refused for its entries nor changes one of them:
    each still says who, whom and which delegation, on the page, in the CSV and in the admin."""
    staff = actor_for(secretariat)
    korea = PartyFactory(code="KR")
    member = UserFactory(username="kr-negotiator")
    membership = membership_set(actor=staff, user=member, party=korea, role="negotiator")
    made = audit_record(Kind.TOKEN_CREATED, actor=member, subject=member, detail="Token “CI”")
    membership_remove(actor=staff, membership=membership)
    observer = world.user("EU", "observer")
    about_observer = audit_record(Kind.SIGN_IN, actor=observer, subject=observer)
    before, member_id = list(AuditEntry.objects.values()), member.pk

    member.delete()
    korea.delete()
    observer.delete()

    assert list(AuditEntry.objects.values()) == before
    made = AuditEntry.objects.get(pk=made.pk)
    assert (made.actor_username, made.username, made.party_code) == ("kr-negotiator",) * 2 + ("KR",)
    assert made.subject_id == member_id  # a bare reference, left as it was
    assert about_observer in audit_entries_for(actor_for(world.user("EU", "lead")))
    secretariat.is_superuser = True
    secretariat.save()
    signed_in(client, secretariat)
    page = client.get(PAGE, {"username": "kr-negotiator"}).content.decode()
    assert page.count('<span class="party-chip party-kr">KR</span>') == 3
    rows = csv_rows(client.get(CSV, {"kind": Kind.TOKEN_CREATED, "username": "kr-"}))
    assert [row[2:6] for row in rows[1:]] == [["kr-negotiator", "KR", "kr-negotiator", ""]]
    assert client.get("/admin/parties/auditentry/", {"q": "kr-negotiator"}).status_code == 200
    change = client.get(f"/admin/parties/auditentry/{made.pk}/change/")
    assert change.status_code == 200 and "kr-negotiator" in change.content.decode()


def test_no_address_but_the_page_and_its_export_reaches_the_log():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # the admin is tested below
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    assert sorted(p for p in walk(get_resolver().url_patterns) if "audit" in p) == [
        "audit/",
        "audit/export.csv",
    ]


def test_the_admin_shows_entries_and_changes_none(client, secretariat, entries):
    secretariat.is_superuser = True
    secretariat.save()
    signed_in(client, secretariat)
    before = list(AuditEntry.objects.values())
    entry = entries["EU"]
    base = "/admin/parties/auditentry/"
    assert client.get(base).status_code == 200
    change = client.get(f"{base}{entry.pk}/change/")
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.post(f"{base}{entry.pk}/change/", {"detail": "x"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(
        base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    ).status_code in (200, 302)
    assert list(AuditEntry.objects.values()) == before


# --- memberships ---


def test_every_placement_move_role_change_and_removal_is_audited(world, secretariat):
    staff = actor_for(secretariat)
    newcomer = UserFactory(username="newcomer")
    membership_set(actor=staff, user=newcomer, party=world.eu, role="negotiator")
    membership_set(actor=staff, user=newcomer, party=world.eu, role="negotiator")  # no change
    membership_set(actor=staff, user=newcomer, party=world.eu, role="lead")
    membership_set(actor=staff, user=newcomer, party=world.us, role="reviewer")
    membership_remove(actor=staff, membership=Membership.objects.get(user=newcomer))
    logged = [
        (e.detail, e.party_code, e.actor, e.subject, e.username)
        for e in AuditEntry.objects.filter(kind=Kind.MEMBERSHIP_CHANGED).order_by("id")
    ]
    assert [(detail, party) for detail, party, *_ in logged] == [
        ("no delegation → EU negotiator", "EU"),
        ("EU negotiator → EU lead", "EU"),
        # A move is seen by the delegation left and the one joined.
        ("EU lead → US reviewer", "EU"),
        ("EU lead → US reviewer", "US"),
        ("US reviewer → no delegation", "US"),
    ]
    assert {(actor, subject, name) for *_, actor, subject, name in logged} == {
        (secretariat, newcomer, "newcomer")
    }
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_secretariat_cannot_place_itself_in_a_delegation(world, secretariat):
    staff = actor_for(secretariat)
    with pytest.raises(PermissionDenied, match="cannot place yourself"):
        membership_set(actor=staff, user=secretariat, party=world.eu, role="lead")
    assert not Membership.objects.filter(user=secretariat).exists()
    # Nor, once placed by a colleague, change its own role or remove itself.
    colleague = actor_for(UserFactory(username="colleague", is_staff=True))
    membership = membership_set(actor=colleague, user=secretariat, party=world.eu, role="reviewer")
    with pytest.raises(PermissionDenied):
        membership_set(actor=actor_for(secretariat), user=secretariat, party=world.eu, role="lead")
    with pytest.raises(PermissionDenied):
        membership_remove(actor=actor_for(secretariat), membership=membership)
    assert Membership.objects.get(user=secretariat).role == "reviewer"
    assert AuditEntry.objects.filter(kind=Kind.MEMBERSHIP_CHANGED).count() == 1


def test_only_the_secretariat_changes_memberships(world):
    lead = actor_for(world.user("EU", "lead"))
    with pytest.raises(PermissionDenied):
        membership_set(actor=lead, user=UserFactory(username="friend"), party=world.eu, role="lead")
    assert not AuditEntry.objects.exists()


def test_a_lead_reads_the_membership_changes_of_its_delegation(client, world, secretariat):
    membership_set(
        actor=actor_for(secretariat),
        user=world.user("EU", "reviewer"),
        party=world.eu,
        role="negotiator",
    )
    page = signed_in(client, world.user("EU", "lead")).get(PAGE, {"kind": Kind.MEMBERSHIP_CHANGED})
    assert "EU reviewer → EU negotiator" in page.content.decode()
    us_page = signed_in(client, world.user("US", "lead")).get(PAGE).content.decode()
    assert "EU reviewer → EU negotiator" not in us_page


def test_the_demo_loader_places_its_delegations_through_the_service(db):
    from agreement.demo import demo_load

    demo_load()
    placed = AuditEntry.objects.filter(kind=Kind.MEMBERSHIP_CHANGED)
    assert placed.count() == Membership.objects.count() > 0
    assert set(placed.values_list("actor_username", flat=True)) == {"secretariat"}
    demo_load()  # again: nothing changes, nothing more is logged
    assert AuditEntry.objects.filter(kind=Kind.MEMBERSHIP_CHANGED).count() == placed.count()


# --- the header ---


def test_the_header_links_the_log_for_the_secretariat_and_leads_only(client, world, secretariat):
    for user, linked in [
        (secretariat, True),
        (world.user("EU", "lead"), True),
        (world.user("EU", "negotiator"), False),
        (world.user("JP", "observer"), False),
    ]:
        page = (
            signed_in(client, user).get(reverse("negotiations:notification-list")).content.decode()
        )
        assert ('href="/audit/"' in page) is linked, user
