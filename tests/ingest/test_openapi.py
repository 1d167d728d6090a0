"""The ingest endpoints are documented: schema paths, the SOAP body, the docs page."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_schema_documents_every_ingest_endpoint(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    for provider in ("scada", "onu", "kaifa", "call_center"):
        for path in (f"/api/ingest/{provider}/", f"/api/ingest/{provider}/batch/"):
            operation = schema["paths"][path]["post"]
            assert {"200", "400", "401", "403", "413"} <= set(operation["responses"])
            assert operation["security"][0] == {"tokenAuth": []}
    kaifa = schema["paths"]["/api/ingest/kaifa/"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/xml"} <= set(kaifa)
    assert "/api/unmatched/replay/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["in"] == "header"


@pytest.mark.django_db
def test_docs_page_is_served_from_local_files(api_client):
    page = api_client.get("/api/docs/")

    assert page.status_code == 200
    assert b"cdn" not in page.content.lower()
