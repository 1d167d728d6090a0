"""`/metrics` of a real Daphne: after ingests through the endpoints its counters moved by
exactly what was sent; websocket clients and active outages are counted; logs are JSON lines
with OMS_LOG_FORMAT=json; /healthz reports the relay's lag; other networks get 403."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live.servers import DaphneServer, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(grid):
    instance = DaphneServer("metrics", OMS_LOG_FORMAT="json").start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def tokens(db):
    from oms.tokens import issue_token

    return {
        "feeds": issue_token("metrics-feeds", ["ingest:scada", "ingest:onu"]),
        "read": issue_token("metrics-wall", ["read"]),
    }


def scrape(server) -> dict[tuple, float]:
    """{(sample name, (label, value), …): value} of every sample."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, *sorted(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_counters_move_by_what_was_ingested(server, tokens):
    from websockets.sync.client import connect

    now = datetime.now(UTC).replace(microsecond=0)
    trip = {
        "eventType": "MV_AlarmLossOfVoltage",
        "alarmType": "De-energized",
        "substationId": "SS001",
        "feederId": "FD001",
        "timestamp": iso(now - timedelta(minutes=2)),
    }
    gasp = {
        "eventId": "onu-metrics-1",
        "type": "ONU_LastGaspAlert",
        "onuId": 4101207,
        "timestamp": iso(now - timedelta(minutes=1)),
        "associatedMeters": ["M40000001"],
    }
    stranger = {**gasp, "eventId": "onu-metrics-2", "onuId": 999, "associatedMeters": ["NOPE"]}
    before = scrape(server)
    assert before[("oms_websocket_clients",)] == 0

    feeds = tokens["feeds"]
    assert server.post("/api/ingest/scada/", trip, feeds)[0] == 201
    assert server.post("/api/ingest/scada/", trip, feeds)[0] == 200  # re-delivery
    assert server.post("/api/ingest/scada/", {"eventType": "x"}, feeds)[0] == 400
    assert server.post("/api/ingest/onu/", gasp, feeds)[0] == 201
    status, answer = server.post(
        "/api/ingest/onu/batch/", {"events": [stranger, {"type": 1}]}, feeds
    )
    assert status == 200 and answer["statuses"]["unmatched"] == 1, answer

    with connect(f"{server.ws_url}/ws/outages/?token={tokens['read']}") as client:
        assert json.loads(client.recv(timeout=15))["type"] == "snapshot"
        after = scrape(server)
        assert after[("oms_websocket_clients",)] == 1

    events = "oms_ingest_events_total"
    assert moved(before, after, events, provider="scada", status="processed") == 1
    assert moved(before, after, events, provider="scada", status="duplicate") == 1
    assert moved(before, after, events, provider="scada", status="rejected") == 1
    assert moved(before, after, events, provider="onu", status="processed") == 1
    assert moved(before, after, events, provider="onu", status="unmatched") == 1
    assert moved(before, after, events, provider="onu", status="rejected") == 1
    assert moved(before, after, events, provider="onu", status="duplicate") == 0
    # One engine transaction per SCADA post (the re-delivery too: the SQL function decides),
    # one per ONU call that had a new event.
    batches = "oms_engine_batch_seconds_count"
    assert moved(before, after, batches, provider="scada") == 2
    assert moved(before, after, batches, provider="onu") == 2
    assert moved(before, after, "oms_raw_row_write_failures_total", provider="onu") == 0
    assert after[("oms_active_outages", ("event_type", "outage"), ("scope", "feeder"))] == 1
    assert moved(before, after, "oms_relay_lag_seconds_count") >= 1  # the trip was pushed

    wait_for(lambda: scrape(server)[("oms_websocket_clients",)] == 0, what="the client gone")
    lag = server.health()["relay_lag_seconds"]
    assert isinstance(lag, float) and lag >= 0

    # OMS_LOG_FORMAT=json: the relay's lines are JSON objects.
    lines = [json.loads(line) for line in server.log().splitlines() if '"outages.relay"' in line]
    assert any(line["level"] == "INFO" and "leading" in line["message"] for line in lines)


def test_metrics_are_refused_outside_the_allowed_networks(client, db):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    refused = client.get("/metrics", REMOTE_ADDR="10.9.8.7")
    assert refused.status_code == 403
    assert b"oms_" not in refused.content
