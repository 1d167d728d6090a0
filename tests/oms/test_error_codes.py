"""Every refusal carries a stable machine-readable `code` beside its human `detail`, and keeps
the keys it had (`errors`, DRF's per-field keys, `retry_after`)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from ingest import actions as ingest_actions
from oms import errors
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

ONU = load_fixture("providers/onu_last_gasp.json")
TRIP = load_fixture("providers/scada_loss_of_voltage.json")


def refusal(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def test_ingest_refusals(grid, api_client, token_client, settings):
    refusal(api_client.post("/api/ingest/onu/", ONU, format="json"), 401, "not_authenticated")
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    refusal(api_client.post("/api/ingest/onu/", ONU, format="json"), 401, "authentication_failed")
    reader = token_client("read")
    refusal(reader.post("/api/ingest/onu/", ONU, format="json"), 403, "permission_denied")

    feeder = token_client("ingest:onu")
    body = refusal(
        feeder.post("/api/ingest/onu/", {**ONU, "timestamp": "yesterday"}, format="json"),
        400,
        errors.INVALID_PAYLOAD,
    )
    assert list(body["errors"]) == ["timestamp"]
    body = refusal(
        feeder.post("/api/ingest/pigeon/", {}, format="json"), 400, errors.UNKNOWN_PROVIDER
    )
    assert "provider" in body["errors"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    refusal(
        feeder.post("/api/ingest/onu/", {**ONU, "pad": "x" * 200}, format="json"),
        413,
        errors.PAYLOAD_TOO_LARGE,
    )


def test_query_and_lifecycle_refusals(grid, token_client):
    reader = token_client("read")
    body = refusal(reader.get("/api/outages/?status=sideways"), 400, errors.INVALID_REQUEST)
    assert "status" in body  # DRF's per-field key kept beside the code
    refusal(reader.get("/api/meters/M404/"), 404, "not_found")
    refusal(reader.get("/api/meters/M4\x00/"), 400, errors.NUL_CHARACTER)

    opened = token_client("ingest:scada").post("/api/ingest/scada/", TRIP, format="json").json()
    operator = token_client("operate")
    transition = f"/api/outages/{opened['outage_event_id']}/transition/"
    refusal(
        operator.post(transition, {"status": "cleared"}, format="json"), 409, "illegal_transition"
    )
    refusal(
        operator.post("/api/outages/OMS-404/transition/", {"status": "confirmed"}, format="json"),
        404,
        errors.NOT_FOUND,
    )
    body = refusal(operator.post(transition, {}, format="json"), 400, errors.INVALID_REQUEST)
    assert "non_field_errors" in body
    refusal(
        operator.post("/api/unmatched/replay/", {"ids": [1]}, format="json"), 400, "invalid_request"
    )


def test_database_unavailable(grid, token_client, monkeypatch):
    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ingest_actions, "ingest_events", database_gone)
    response = token_client("ingest:onu").post("/api/ingest/onu/", ONU, format="json")
    body = refusal(response, 503, errors.DATABASE_UNAVAILABLE)
    assert body["retry_after"] == int(response["Retry-After"])
