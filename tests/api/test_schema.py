"""The OpenAPI document and its offline Swagger UI."""

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (unguessable view, …) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    text = (tmp_path / "s.yml").read_text()
    paths = ("/api/v1/cases/", "/api/v1/repayments/batch/", "/api/v1/loans/batch/")
    for path in (*paths, "/api/v1/installments/batch/", "/api/v1/visits/"):
        assert f"{path}:" in text


def test_schema_is_served_to_staff(admin_client_):
    response = admin_client_.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    assert response.json()["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


def test_swagger_ui_uses_vendored_assets(admin_client_):
    page = admin_client_.get(reverse("api_docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn.jsdelivr" not in page and "unpkg" not in page


def test_schema_and_docs_need_a_signed_in_user(client):
    assert client.get(reverse("api_schema")).status_code == 401
    assert client.get(reverse("api_docs")).status_code == 401
