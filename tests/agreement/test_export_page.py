from agreement.models import ExportJob
from parties.access import actor_for


def test_export_page_builds_and_offers_the_download(
    world, client, make_provision, django_capture_on_commit_callbacks
):
    make_provision("The Parties [US: shall] cooperate.", heading="Cooperation")
    client.force_login(world.user("US", "reviewer"))
    page = client.get(f"/agreements/{world.agreement.pk}/export/")
    assert page.status_code == 200 and b"Prepare the file" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/agreements/{world.agreement.pk}/export/",
            {"variant": "negotiating", "format": "html", "point": "now"},
        )
    job = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{job.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Ready." in detail and f"/api/v1/exports/{job.pk}/download/" in detail
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="export-status"')
    download = client.get(f"/api/v1/exports/{job.pk}/download/")
    assert b"Cooperation" in b"".join(download.streaming_content)


def test_running_job_polls_and_failed_job_says_why(world, client):
    from django.utils import timezone

    user = world.user("US", "reviewer")
    running = ExportJob.objects.create(
        agreement=world.agreement,
        requested_by=user,
        format="pdf",
        variant="negotiating",
        as_of=timezone.now(),
        as_of_label="now",
        status="running",
        progress=40,
    )
    failed = ExportJob.objects.create(
        agreement=world.agreement,
        requested_by=user,
        format="pdf",
        variant="negotiating",
        as_of=timezone.now(),
        as_of_label="now",
        status="failed",
        error="Building the PDF file failed: no fonts",
    )
    client.force_login(user)
    polling = client.get(f"/exports/{running.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in polling and "40 %" in polling
    stopped = client.get(f"/exports/{failed.pk}/").content.decode()
    assert "hx-trigger" not in stopped and "no fonts" in stopped
    client.force_login(world.user("EU", "lead"))
    assert client.get(f"/exports/{running.pk}/").status_code == 404


def test_export_form_errors_keep_the_choices(world, client):
    client.force_login(world.user("US", "reviewer"))
    no_date = client.post(
        f"/agreements/{world.agreement.pk}/export/",
        {"variant": "negotiating", "format": "pdf", "point": "date"},
    )
    assert no_date.status_code == 400 and b"Choose the date" in no_date.content
    no_base = client.post(
        f"/agreements/{world.agreement.pk}/export/",
        {"variant": "redline", "format": "docx", "point": "now"},
    )
    assert no_base.status_code == 400 and b"no round is closed yet" in no_base.content
    assert not ExportJob.objects.exists()


def test_a_redline_asks_for_its_base_round_in_words_and_offers_the_last_one(
    world, client, make_provision, secretariat
):
    from django.utils import timezone

    from negotiations.services import round_close, round_create

    make_provision()
    client.force_login(world.user("US", "reviewer"))
    url = f"/agreements/{world.agreement.pk}/export/"
    redline = {"variant": "redline", "format": "html", "point": "now"}

    refused = client.post(url, redline)
    assert refused.status_code == 400
    assert "no round is closed yet" in refused.content.decode()
    assert not ExportJob.objects.exists()

    staff, today = actor_for(secretariat), timezone.localdate()
    for number in (1, 2):
        round_ = round_create(
            actor=staff,
            agreement=world.agreement,
            number=number,
            venue="Geneva",
            starts_on=today,
            ends_on=today,
        )
        round_close(actor=staff, round_=round_)
    page = client.get(url).content.decode()
    assert f'<option value="{round_.pk}" selected>Close of Round 2 (Geneva)</option>' in page
    assert "choose that round" in client.post(url, {**redline, "base_round": ""}).content.decode()
    # A negotiating text ignores the base the form offers.
    plain = client.post(url, {**redline, "variant": "negotiating", "base_round": round_.pk})
    assert plain.status_code == 302
