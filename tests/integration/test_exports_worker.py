"""An export requested through the API is built by a real Celery worker and downloaded."""

import io

from docx import Document

from agreement.models import ExportJob
from tests.integration.conftest import wait_for


def test_worker_builds_the_export_and_the_client_downloads_it(
    world, api, make_provision, celery_worker_process
):
    make_provision(
        "1. The Parties [US: shall][EU: should] cooperate on stockpiles.", heading="Stockpiling"
    )
    client = api(world.user("EU", "negotiator"))

    response = client.post(
        "/api/v1/exports/",
        {"agreement": world.agreement.pk, "format": "docx", "variant": "negotiating"},
    )
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response.json()["status"] in {"queued", "running"}

    job = wait_for(
        lambda: (
            client.get(f"/api/v1/exports/{job_id}/").json()
            if ExportJob.objects.filter(pk=job_id, status__in=["done", "failed"]).exists()
            else None
        ),
        timeout=60,
        message="the worker to build the export",
    )
    assert job["status"] == "done", job["error"]
    assert job["progress"] == 100

    download = client.get(job["download_url"])
    assert download.status_code == 200
    document = Document(io.BytesIO(b"".join(download.streaming_content)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "Stockpiling" in text
    assert "US:" in text and "EU:" in text
