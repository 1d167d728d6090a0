"""Push after commit through any door: the REST ingest and a direct SQL call of the seed's
`insert_scada_event_with_meter_check` each reach a connected client once; a rolled-back call
never does. Uses the real engine and the relay on the test database."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from tests.live.helpers import connect, read_token

pytestmark = pytest.mark.django_db(transaction=True)

TRIP_FD001 = {
    "eventType": "MV_AlarmLossOfVoltage",
    "alarmType": "De-energized",
    "substationId": "SS001",
    "feederId": "FD001",
    "timestamp": "2025-10-01T06:15:30Z",
}
TRIP_FD003 = {**TRIP_FD001, "substationId": "SS002", "feederId": "FD003"}
CLOSE_FD001 = {
    "eventType": "MV_AlarmRestoration",
    "alarmType": "Energized",
    "substationId": "SS001",
    "feederId": "FD001",
    "timestamp": "2025-10-01T07:15:30Z",
}


@database_sync_to_async
def call_seed_function(event: dict, *, rollback=False):
    """`SELECT insert_scada_event_with_meter_check(...)` as a legacy SQL caller would."""
    from django.db import connection, transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT insert_scada_event_with_meter_check(%s::jsonb)", [json.dumps(event)]
            )
            answer = cursor.fetchone()[0]
            if rollback:
                raise Rollback
    except Rollback:
        return None
    return answer


@database_sync_to_async
def post_ingest(event: dict):
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('scada-feed', ['ingest:scada'])}")
    return client.post("/api/ingest/scada/", event, format="json")


async def test_every_door_pushes_once_after_commit(grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["outages"] == []

    # Door 1: a direct SQL call of the seed's function.
    answer = await call_seed_function(TRIP_FD001)
    event_id = json.loads(answer)["outage_event_id"] if isinstance(answer, str) else None
    created = await communicator.receive_json_from(timeout=10)
    assert created["type"] == "outage.created"
    assert created["outage"]["feeder"] == "FD001" and created["outage"]["scope"] == "feeder"
    assert created["outage"]["affected_meters_count"] == 40
    assert created["seq"] == snapshot["seq"] + 1
    if event_id:
        assert created["outage"]["event_id"] == event_id

    # A rolled-back call: nothing may reach the client.
    assert await call_seed_function(TRIP_FD003, rollback=True) is None

    # Door 2: the REST ingest. Its push is the very next message, so the rolled-back one (and
    # no second copy of the first) came in between.
    response = await post_ingest(CLOSE_FD001)
    assert response.status_code == 201, response.content
    restored = await communicator.receive_json_from(timeout=10)
    assert restored["type"] == "outage.restored"
    assert restored["outage"]["event_id"] == created["outage"]["event_id"]
    assert restored["outage"]["status"] == "restored"
    assert restored["seq"] == created["seq"] + 1
    assert restored["summary"]["active_outages"] == 0
    # And no late second copy: the next message is the next change's, one `seq` on.
    await call_seed_function(TRIP_FD003)
    barrier = await communicator.receive_json_from(timeout=10)
    assert (barrier["type"], barrier["outage"]["feeder"]) == ("outage.created", "FD003")
    assert barrier["seq"] == restored["seq"] + 1
    await communicator.disconnect()
