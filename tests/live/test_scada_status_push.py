"""A SCADA trip and reclose of a recloser, posted to /api/ingest/scada/, reach the dashboards
live after commit: `switching.operated` (source scada) and the unplanned outage it made, then
the reclose and the outage restored as momentary (CONTRACT §10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async

from tests.live.helpers import T0, connect, read_token

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def post_status(code: str, seconds: int):
    from rest_framework.test import APIClient

    from meters.models import Meter
    from oms.tokens import issue_token

    Meter.objects.filter(power_status="unknown").update(power_status="on")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('scada-feed', ['ingest:scada'])}")
    event = {
        "eventType": code,
        "substationId": "SS001",
        "feederId": "FD001",
        "deviceId": "R1",
        "deviceType": "Recloser",
        "timestamp": (T0 + timedelta(seconds=seconds)).isoformat(),
    }
    return client.post("/api/ingest/scada/", event, format="json")


async def messages(communicator, count: int) -> dict:
    received = [await communicator.receive_json_from(timeout=10) for _ in range(count)]
    return {message["type"]: message for message in received}


async def test_a_scada_trip_and_reclose_are_pushed(devices_grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    await communicator.receive_json_from(timeout=5)  # the snapshot

    response = await post_status("TRIP", 0)
    assert response.status_code == 201, response.content
    by_type = await messages(communicator, 2)
    assert set(by_type) == {"switching.operated", "outage.created"}
    switching = by_type["switching.operated"]["switching"]
    assert (switching["device_code"], switching["to_state"], switching["source"]) == (
        "R1",
        "open",
        "scada",
    )
    assert switching["source_event_id"] == response.json()["source_event_id"]
    outage = by_type["outage.created"]["outage"]
    assert (outage["scope"], outage["device"], outage["event_type"]) == ("recloser", "R1", "outage")

    assert (await post_status("RECLOSE", 3)).status_code == 201
    by_type = await messages(communicator, 2)
    assert by_type["switching.operated"]["switching"]["to_state"] == "closed"
    restored = by_type["outage.restored"]["outage"]
    assert (restored["event_id"], restored["event_type"]) == (outage["event_id"], "momentary")

    # A re-sent reclose (already closed): stored, nothing pushed.
    assert (await post_status("RECLOSED", 5)).status_code == 201
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
