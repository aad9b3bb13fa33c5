from agreement.models import ExportJob


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
    assert no_base.status_code == 400 and b"A redline shows changes since a base" in no_base.content
    assert not ExportJob.objects.exists()
