"""Agency sign-in (OpenID Connect) against a real identity provider on 127.0.0.1.

The application is driven through Django's test client; the provider (tests/oidc_provider/) is
reached over real HTTP, by the test for the person's side and by the application for its own
(discovery, the code exchange with PKCE, the signing keys, userinfo).
"""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.shortcuts import resolve_url

from parties.models import AuditEntry, Membership
from tests.oidc_provider.fixtures import sign_in_through_agency

User = get_user_model()


def agency_user(username):
    return User.objects.select_related("membership__party").get(username=username)


def test_without_an_issuer_the_sign_in_page_offers_passwords_only(client, world):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"agency account" not in page.content
    assert b"/accounts/oidc/" not in page.content
    assert "form-action 'self';" in page["Content-Security-Policy"]
    assert client.post("/accounts/oidc/agency/login/").status_code == 404
    signed_in = client.post("/accounts/login/", {"login": "us-lead", "password": "pw"})
    assert signed_in.status_code == 302


def test_with_an_issuer_the_sign_in_page_offers_the_agency_beside_passwords(
    client, world, agency_sign_in
):
    page = client.get("/accounts/login/?next=/agreements/")
    html = page.content.decode()
    assert 'action="/accounts/oidc/agency/login/?process=login&amp;next=%2Fagreements%2F"' in html
    assert "Sign in with your agency account</button>" in html
    assert 'name="password"' in html
    # The button's form is answered by a redirect to the provider, which the policy must allow.
    issuer_origin = agency_sign_in.issuer.removesuffix("/o")
    assert f"form-action 'self' {issuer_origin};" in page["Content-Security-Policy"]


def test_first_sign_in_makes_the_account_in_the_mapped_delegation(
    client, world, agency_sign_in, settings
):
    agency_sign_in.person("ana.lead", groups=["ustr-leads", "vpn-users"], email="ana@ustr.example")

    answer = sign_in_through_agency(client, "ana.lead")

    assert answer.status_code == 302
    assert answer["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)
    ana = agency_user("ana.lead")
    assert (ana.membership.party.code, ana.membership.role) == ("US", "lead")
    assert ana.email == "ana@ustr.example"
    assert not ana.has_usable_password()
    assert not ana.is_staff and not ana.is_superuser
    assert SocialAccount.objects.get(user=ana).provider == "agency"
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.MEMBERSHIP_CHANGED, subject=ana)
    assert entry.actor is None  # the identity provider's word, not a person's
    assert entry.detail == "no delegation → US lead"
    home = client.get("/", follow=True)
    assert home.status_code == 200
    assert b"ana.lead" in home.content


def test_a_second_sign_in_is_the_same_account(client, world, agency_sign_in):
    agency_sign_in.person("ben.neg", groups=["ustr-negotiators"])
    sign_in_through_agency(client, "ben.neg")
    client.post("/accounts/logout/")

    assert sign_in_through_agency(client, "ben.neg").status_code == 302

    assert User.objects.filter(username__startswith="ben.neg").count() == 1
    assert SocialAccount.objects.count() == 1
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.MEMBERSHIP_CHANGED).count() == 1


def test_changed_groups_change_the_role_then_the_delegation(client, world, agency_sign_in):
    agency_sign_in.person("cleo", groups=["ustr-negotiators"])
    sign_in_through_agency(client, "cleo")
    client.post("/accounts/logout/")
    agency_sign_in.person("cleo", groups=["ustr-leads"])

    sign_in_through_agency(client, "cleo")
    client.post("/accounts/logout/")
    agency_sign_in.person("cleo", groups=["dg-trade"])
    sign_in_through_agency(client, "cleo")

    cleo = agency_user("cleo")
    assert (cleo.membership.party.code, cleo.membership.role) == ("EU", "reviewer")
    changes = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.MEMBERSHIP_CHANGED, subject=cleo
    ).order_by("id")
    assert [(entry.party_code, entry.detail) for entry in changes] == [
        ("US", "no delegation → US negotiator"),
        ("US", "US negotiator → US lead"),
        ("US", "US lead → EU reviewer"),  # seen by the delegation left...
        ("EU", "US lead → EU reviewer"),  # ...and by the one joined
    ]


@pytest.mark.parametrize(
    ("groups", "says"),
    [
        (["finance"], "in no group that this site maps to a delegation"),
        ([], "in no group that this site maps to a delegation"),
        (["ustr-leads", "dg-trade"], "more than one delegation (EU, US)"),
    ],
)
def test_claims_that_map_to_no_delegation_are_refused_and_make_no_account(
    client, world, agency_sign_in, groups, says
):
    agency_sign_in.person("dan", groups=groups)

    answer = sign_in_through_agency(client, "dan")

    assert answer.status_code == 403
    html = answer.content.decode()
    assert "<h1>Sign-in refused</h1>" in html
    assert says in html
    assert 'class="site-header"' in html  # in the site's own frame
    assert not User.objects.filter(username__startswith="dan").exists()
    assert not SocialAccount.objects.exists()
    refusal = AuditEntry.objects.get(kind=AuditEntry.Kind.SIGN_IN_FAILED)
    assert refusal.username == "dan"
    assert says in refusal.detail
    assert client.get("/").status_code == 302  # not signed in


def test_a_party_the_site_does_not_hold_is_refused(client, world, agency_sign_in, settings):
    settings.OIDC_GROUP_MAP = "kr-trade=KR:lead"
    agency_sign_in.person("eun", groups=["kr-trade"])

    answer = sign_in_through_agency(client, "eun")

    assert answer.status_code == 403
    assert "name the delegation KR, which this site does not hold" in answer.content.decode()
    assert not User.objects.filter(username="eun").exists()


def test_leaving_every_mapped_group_ends_the_membership_and_refuses(client, world, agency_sign_in):
    agency_sign_in.person("fay", groups=["dg-trade"])
    sign_in_through_agency(client, "fay")
    client.post("/accounts/logout/")
    agency_sign_in.person("fay", groups=["alumni"])

    assert sign_in_through_agency(client, "fay").status_code == 403

    fay = User.objects.get(username="fay")
    assert not Membership.objects.filter(user=fay).exists()
    assert AuditEntry.objects.filter(
        kind=AuditEntry.Kind.MEMBERSHIP_CHANGED, subject=fay, detail="EU reviewer → no delegation"
    ).exists()


def test_a_secretariat_account_never_signs_in_through_the_agency(client, world, agency_sign_in):
    agency_sign_in.person("gil", groups=["ustr-leads"])
    sign_in_through_agency(client, "gil")
    client.post("/accounts/logout/")
    User.objects.filter(username="gil").update(is_staff=True)

    answer = sign_in_through_agency(client, "gil")

    assert answer.status_code == 403
    assert "This is a secretariat account" in answer.content.decode()
    assert client.get("/").status_code == 302


def test_a_signed_in_account_cannot_link_an_agency_identity(client, world, agency_sign_in):
    us_lead = world.user("US", "lead")
    client.force_login(us_lead)
    agency_sign_in.person("ivy", groups=["dg-trade"])

    answer = sign_in_through_agency(
        client, "ivy", start="/accounts/oidc/agency/login/?process=connect"
    )

    assert answer.status_code == 403
    assert "is not linked to an account made otherwise" in answer.content.decode()
    assert not SocialAccount.objects.exists()
    assert Membership.objects.get(user=us_lead).party.code == "US"


def test_a_taken_username_or_e_mail_address_makes_a_new_account_not_a_link(
    client, world, agency_sign_in
):
    us_lead = world.user("US", "lead")
    us_lead.email = "us-lead@ustr.example"
    us_lead.save()
    agency_sign_in.person("us-lead", groups=["ustr-negotiators"], email="us-lead@ustr.example")

    assert sign_in_through_agency(client, "us-lead").status_code == 302

    newcomer = SocialAccount.objects.get().user
    assert newcomer.username == "us-lead-2"
    assert newcomer.pk != us_lead.pk
    assert newcomer.membership.role == "negotiator"
    assert Membership.objects.get(user=us_lead).role == "lead"


def test_agency_accounts_are_not_asked_for_the_sites_two_factor(
    client, world, agency_sign_in, settings
):
    settings.TWO_FACTOR_REQUIRED_FOR = ["lead", "staff"]
    agency_sign_in.person("hal", groups=["ustr-leads"])

    sign_in_through_agency(client, "hal")

    page = client.get("/", follow=True)
    assert page.status_code == 200
    assert all("/2fa/" not in url for url, _ in page.redirect_chain)
    assert b"hal" in page.content
    # Given a password by the secretariat, the account can sign in without the agency: then the
    # site's rule applies again.
    hal = User.objects.get(username="hal")
    hal.set_password("a-password-of-its-own")
    hal.save()
    client.post("/accounts/login/", {"login": "hal", "password": "a-password-of-its-own"})
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith("/accounts/2fa/")


def test_a_map_that_cannot_be_read_fails_the_system_check(settings):
    settings.OIDC_ISSUER = "https://login.agency.example"
    settings.OIDC_GROUP_MAP = "ustr-leads=US:lead; ustr=US:chair"
    with pytest.raises(Exception, match="entry 2") as failed:
        call_command("check")
    assert "OIDC_GROUP_MAP" in str(failed.value)
