import re

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_generates_without_warnings(tmp_path, capsys):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out
    text = target.read_text()
    for path in [
        "/api/v1/provisions/",
        "/api/v1/positions/",
        "/api/v1/action-items/",
    ]:
        assert f"{path}:" in text
    assert "/auth/token/" not in text


def test_swagger_ui_is_served_without_a_cdn(world, client):
    client.force_login(world.user("US", "lead"))
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == []


def test_schema_endpoint_answers(world, client):
    client.force_login(world.user("US", "lead"))
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi: 3" in response.content
