import re

from parties.access import actor_for
from provisions import services
from provisions.models import Provision
from tests.conftest import forget_minerals
from tests.factories import AgreementFactory, MineralFactory


def test_edit_form_saves_a_new_version(world, client, make_provision):
    provision = make_provision("Old text.")
    client.force_login(world.user("EU", "negotiator"))
    response = client.post(
        f"/provisions/{provision.pk}/edit/",
        {
            "heading": "Reference prices",
            "body": "Old text. [EU: New text.]",
            "reason": "EU edit",
            "version": 1,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert b"Saved Article 2.1 as version 2" in response.content
    provision.refresh_from_db()
    assert (provision.version, provision.body) == (2, "Old text. [EU: New text.]")
    assert provision.history.order_by("-version").first().history_change_reason == "EU edit"


def test_edit_form_changes_the_covered_minerals_in_the_same_version(world, client, make_provision):
    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    MineralFactory(agreement=AgreementFactory(), name="Tin")  # another agreement's: not offered
    provision = make_provision("Text.", minerals=[world.mineral])
    client.force_login(world.user("US", "negotiator"))  # its own draft
    url = f"/provisions/{provision.pk}/edit/"

    form = client.get(url).content.decode()
    assert 'type="checkbox" name="minerals"' in form and "Cobalt" in form and "Tin" not in form
    assert re.search(rf'value="{world.mineral.pk}"[^>]*checked', form)
    assert not re.search(rf'value="{cobalt.pk}"[^>]*checked', form)

    def save(version: int, minerals: list) -> None:
        data = {"heading": "Reference prices", "body": "Text.", "version": version}
        response = client.post(url, {**data, "minerals": [m.pk for m in minerals]})
        assert response.status_code == 302, response.content.decode()[:500]

    save(1, [cobalt, world.mineral])
    save(2, [cobalt, world.mineral])  # unchanged: the history does not claim a mineral change
    save(3, [])
    reasons = dict(provision.history.values_list("version", "history_change_reason"))
    assert reasons[2] == "Edited body, heading, minerals"
    assert reasons[3] == "Edited body, heading"
    assert reasons[4] == "Edited body, heading, minerals"
    assert not Provision.objects.get(pk=provision.pk).minerals.exists()
    page = client.get(f"/provisions/{provision.pk}/").content.decode()
    assert "Covers no listed mineral" in page


def test_broken_brackets_keep_the_text_and_show_line_and_column(world, client, make_provision):
    provision = make_provision("Old text.")
    client.force_login(world.user("EU", "negotiator"))
    typed = "First paragraph.\n\nSecond [EU: never closed"
    response = client.post(
        f"/provisions/{provision.pk}/edit/",
        {"heading": "Reference prices", "body": typed, "version": 1},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 3, column 8" in page
    assert "Second [EU: never closed</textarea>" in page
    assert Provision.objects.get(pk=provision.pk).version == 1


def test_conflict_screen_keeps_my_text_and_shows_the_current_one(world, client, make_provision):
    provision = make_provision("The Parties shall cooperate.")
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="The Parties [US: shall] cooperate closely.",
    )
    client.force_login(world.user("EU", "negotiator"))
    mine = "The Parties [EU: should] cooperate."
    response = client.post(
        f"/provisions/{provision.pk}/edit/",
        {"heading": "Reference prices", "body": mine, "reason": "EU view", "version": 1},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone saved this provision while you were editing" in page
    assert f"{mine}</textarea>" in page  # my text is kept, whole
    assert 'name="version" value="2"' in page  # saving is a deliberate save over version 2
    assert "closely" in page  # the current text and what changed on each side are shown
    assert "<ins" in page or "<del" in page
    # Both changed "shall": the merge holds theirs there, and offers mine as EU's alternative.
    assert "The Parties [US: shall] cooperate closely.</textarea>" in page

    state = {"heading": "Reference prices", "reason": "EU view", "version": 2, "yours": mine}
    added = client.post(
        f"/provisions/{provision.pk}/edit/",
        {**state, "body": "", "base_version": 1, "merge_action": "add:0"},
    )
    assert added.status_code == 200
    merged = "The Parties [US: shall][EU: should] cooperate closely."
    assert f"{merged}</textarea>" in added.content.decode()
    again = client.post(
        f"/provisions/{provision.pk}/edit/",
        {**state, "body": merged, "base_version": 1, "alternatives": "0"},
    )
    assert again.status_code == 302
    assert Provision.objects.get(pk=provision.pk).body == merged


def test_reviewer_cannot_edit(world, client, make_provision):
    provision = make_provision()
    client.force_login(world.user("EU", "reviewer"))
    response = client.post(
        f"/provisions/{provision.pk}/edit/", {"heading": "h", "body": "x", "version": 1}
    )
    assert response.status_code == 403


def test_history_and_compare_pages(world, client, make_provision):
    provision = make_provision("The Parties shall cooperate.")
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="The Parties should cooperate.",
        reason="Softer",
    )
    client.force_login(world.user("JP", "observer"))
    history = client.get(f"/provisions/{provision.pk}/history/").content.decode()
    assert "Softer" in history and "us-negotiator" in history

    inline = client.get(f"/provisions/{provision.pk}/compare/?from_version=1&to_version=2")
    assert '<del class="diff-del">shall</del>' in inline.content.decode()
    assert '<ins class="diff-ins">should</ins>' in inline.content.decode()
    side = client.get(f"/provisions/{provision.pk}/compare/?from_version=1&to_version=2&view=side")
    assert "side-by-side" in side.content.decode()
    missing = client.get(f"/provisions/{provision.pk}/compare/?from_version=1&to_version=9")
    assert missing.status_code == 400


def test_compare_page_shows_mineral_changes_only_where_both_versions_recorded_them(
    world, client, make_provision
):
    from tests.factories import MineralFactory

    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    negotiator = actor_for(world.user("US", "negotiator"))
    provision = make_provision(minerals=[world.mineral])
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=1, minerals=[cobalt, world.mineral]
    )
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=2, minerals=[]
    )
    client.force_login(world.user("EU", "reviewer"))

    def compare(old: int, new: int) -> str:
        url = f"/provisions/{provision.pk}/compare/?from_version={old}&to_version={new}"
        return client.get(url).content.decode()

    page = compare(1, 2)
    assert (
        '<td>Minerals<br><span class="muted">Cobalt added</span></td>'
        '<td><del class="diff-del">Lithium</del></td>'
    ) in page
    assert '<ins class="diff-ins">Cobalt, Lithium</ins>' in page
    assert "not compared" not in page
    assert (
        '<del class="diff-del">Cobalt, Lithium</del></td><td><ins class="diff-ins">none</ins>'
        in (compare(2, 3))
    )

    forget_minerals(provision, 1)
    page = compare(1, 2)
    assert "<td>Minerals</td>" not in page
    assert "Minerals are not compared: version 1 was written before history recorded them" in page


def test_history_pages_show_each_versions_minerals(world, client, make_provision):
    from tests.factories import MineralFactory

    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt <b>")
    negotiator = actor_for(world.user("US", "negotiator"))
    provision = make_provision(minerals=[world.mineral])
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=1, minerals=[cobalt, world.mineral]
    )
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=2, minerals=[]
    )
    forget_minerals(provision, 1)
    client.force_login(world.user("JP", "observer"))

    for url in (f"/provisions/{provision.pk}/history/", f"/provisions/{provision.pk}/"):
        page = client.get(url).content.decode()
        assert '<th scope="col">Minerals</th>' in page
        cells = [row.split("</td>")[6] for row in page.split("<tr><td>")[1:]]
        assert [cell.strip().removeprefix("<td>") for cell in cells] == [
            "None",
            "Cobalt &lt;b&gt;, Lithium",
            '<em class="muted" title="This version was written before history recorded '
            'minerals">not recorded</em><span class="visually-hidden"> (this version was written '
            "before history recorded minerals)</span>",
        ]


def test_history_page_query_count_does_not_grow_with_versions(
    world, client, make_provision, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provision = make_provision(minerals=[world.mineral])
    client.force_login(world.user("US", "reviewer"))
    url = f"/provisions/{provision.pk}/history/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    negotiator = actor_for(world.user("US", "negotiator"))
    for version in range(1, 20):
        provision = services.provision_update(
            actor=negotiator,
            provision=provision,
            expected_version=version,
            minerals=[] if version % 2 else [world.mineral],
        )
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_agreement_compare_page(world, client, make_provision, secretariat):
    from django.utils import timezone

    from negotiations.services import round_close, round_create

    staff = actor_for(secretariat)
    round_1 = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    provision = make_provision("Original wording.")
    round_close(actor=staff, round_=round_1)
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),  # the proposing party, drafting
        provision=provision,
        expected_version=1,
        body="Revised wording.",
    )
    client.force_login(world.user("US", "lead"))
    page = client.get(f"/agreements/{world.agreement.pk}/compare/").content.decode()
    assert "From the close of Round 1 to now: 1 changed" in page
    assert '<ins class="diff-ins">Revised</ins>' in page
    bad = client.get(f"/agreements/{world.agreement.pk}/compare/?from=round:7")
    assert bad.status_code == 400 and "There is no round 7" in bad.content.decode()


def test_agreement_compare_page_shows_mineral_changes(world, client, make_provision):
    from django.utils import timezone

    from tests.factories import MineralFactory

    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    provision = make_provision(minerals=[world.mineral])
    since = timezone.now()
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        minerals=[world.mineral, cobalt],
    )
    client.force_login(world.user("JP", "observer"))
    page = client.get(
        f"/agreements/{world.agreement.pk}/compare/", {"from": since.isoformat(), "to": "now"}
    ).content.decode()
    assert "1 changed" in page
    assert "<li>Minerals: Cobalt added</li>" in page


def test_history_page_is_paginated_and_compare_takes_version_numbers(world, client, make_provision):
    provision = make_provision("v1")
    actor = actor_for(world.user("US", "negotiator"))
    for version in range(1, 60):
        provision = services.provision_update(
            actor=actor, provision=provision, expected_version=version, body=f"v{version + 1}"
        )
    client.force_login(world.user("EU", "reviewer"))
    page = client.get(f"/provisions/{provision.pk}/history/").content.decode()
    assert "Page 1 of 2" in page and page.count("<tr><td>") == 50
    assert "<option" not in page  # no list of every version
    second = client.get(f"/provisions/{provision.pk}/history/?page=2").content.decode()
    assert "Page 2 of 2" in second
    compare = client.get(f"/provisions/{provision.pk}/compare/").content.decode()
    assert 'type="number"' in compare and 'max="60"' in compare and "<option" not in compare


def test_compare_pages_name_statuses_and_categories_by_their_labels(world, client, make_provision):
    provision = make_provision()
    services.provision_set_status(
        actor=actor_for(world.user("US", "lead")), provision=provision, status="tabled"
    )
    client.force_login(world.user("EU", "reviewer"))
    page = client.get(f"/provisions/{provision.pk}/compare/").content.decode()
    assert '<del class="diff-del">Draft</del>' in page
    assert '<ins class="diff-ins">Tabled</ins>' in page
    assert "tabled</ins>" not in page
