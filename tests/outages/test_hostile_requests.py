"""Query and operator requests a careless client sends: each is a 4xx naming what is wrong,
never a 500, and writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import load_fixture
from tests.ingest.conftest import row_counts

pytestmark = pytest.mark.django_db

TIMELINE = "SELECT count(*) FROM oms_event_timeline"


@pytest.fixture
def outage_id(grid, token_client):
    client = token_client("ingest:scada")
    response = client.post(
        "/api/ingest/scada/", load_fixture("providers/scada_loss_of_voltage.json"), format="json"
    )
    assert response.status_code == 201
    return response.json()["outage_event_id"]


@pytest.fixture
def operator(token_client):
    return token_client("read", "operate")


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.mark.parametrize("body", [{"note": "crew on site"}, {"crew": "C-7"}])
def test_a_transition_without_status_records_the_note_or_crew(outage_id, operator, body):
    before = _count(TIMELINE)

    response = operator.post(f"/api/outages/{outage_id}/transition/", body, format="json")

    assert response.status_code == 200, response.content[:300]
    assert response.json()["status"] == "detected"
    assert _count(TIMELINE) == before + 1


def test_a_transition_with_only_an_etr_records_it(outage_id, operator):
    response = operator.post(
        f"/api/outages/{outage_id}/transition/",
        {"estimated_restoration_time": "2025-10-01T09:00:00+03:00"},
        format="json",
    )

    assert response.status_code == 200, response.content[:300]
    assert response.json()["estimated_restoration_time"].startswith("2025-10-01T06:00:00")


@pytest.mark.parametrize(
    "etr",
    [f"2025-10-01T09:00:00{offset}" for offset in ("+14:30", "-15:00", "+16:00", "+23:59")]
    + ["2024-01-01T12:99:00Z", "2024-02-30T12:00:00Z"],  # found by tests/ingest/test_schemathesis
)
def test_an_etr_offset_beyond_14_hours_or_no_such_time_is_400(outage_id, operator, etr):
    before = row_counts()

    response = operator.post(
        f"/api/outages/{outage_id}/transition/",
        {"estimated_restoration_time": etr},
        format="json",
    )

    assert response.status_code == 400
    assert "estimated_restoration_time" in response.json()
    assert row_counts() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/meters/M4%000001/",
        "/api/meters/M40000001%00/history/",
        "/api/outages/OMS%00/",
        "/api/outages/OMS%00/meters/",
        "/api/substations/SS%00001/meters/",
        "/api/feeders/FD%00/meters/",
        "/api/devices/feeder/FD%00001/",
        "/api/meters/?search=M4%00",
        "/api/outages/?feeder=FD%00",
        "/api/outages/?status%00=x",
    ],
)
def test_a_nul_in_a_path_or_query_parameter_is_400(grid, operator, path):
    response = operator.get(path)

    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.json()["errors"]


def test_a_nul_in_the_transition_path_is_400_and_writes_nothing(outage_id, operator):
    before = row_counts()

    response = operator.post(
        f"/api/outages/{outage_id}%00/transition/", {"status": "confirmed"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"path": ["May not contain NUL characters."]}
    assert row_counts() == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=2025-10-01T00:00:00%2B16:00", "since"),
        ("until=2025-10-01T00:00:00-23:59", "until"),
        ("since=2025-10-01T00:00:00%2B14:01", "since"),
    ],
)
def test_an_outage_filter_offset_beyond_14_hours_is_400(grid, operator, query, field):
    response = operator.get(f"/api/outages/?{query}")

    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in str(response.json())


def test_an_outage_filter_offset_of_14_hours_is_accepted(grid, operator):
    response = operator.get("/api/outages/?since=2025-10-01T00:00:00%2B14:00")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "start=2025-10-01T00:00:00%2B16:00&end=2025-10-02T00:00:00Z",
        "start=2025-10-01T00:00:00Z&end=2025-10-02T00:00:00-20:00",
    ],
)
def test_a_reliability_period_offset_beyond_14_hours_is_400(grid, operator, query):
    response = operator.get(f"/api/reliability/?{query}")

    assert response.status_code == 400, (response.status_code, response.content[:300])
