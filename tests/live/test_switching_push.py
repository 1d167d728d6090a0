"""A switching operation reaches the dashboards live, after commit, in the relay's numbered
stream: `switching.operated` and the planned outage it made (issue 10 item 3)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.live.helpers import connect, read_token

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def operate(kind: str, code: str, action: str):
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('control-room', ['operate'])}")
    return client.post(f"/api/devices/{kind}/{code}/operate/", {"action": action}, format="json")


async def test_an_operation_is_pushed_once_after_commit(devices_grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)

    response = await operate("recloser", "R1", "open")
    assert response.status_code == 200, response.content
    messages = [await communicator.receive_json_from(timeout=10) for _ in range(2)]
    by_type = {message["type"]: message for message in messages}
    assert set(by_type) == {"switching.operated", "outage.created"}
    assert sorted(message["seq"] for message in messages) == [
        snapshot["seq"] + 1,
        snapshot["seq"] + 2,
    ]
    switching = by_type["switching.operated"]["switching"]
    assert (switching["device_kind"], switching["device_code"], switching["to_state"]) == (
        "recloser",
        "R1",
        "open",
    )
    outage = by_type["outage.created"]["outage"]
    assert (outage["scope"], outage["event_type"]) == ("recloser", "planned_outage")

    # Refused (already open): nothing is pushed.
    assert (await operate("recloser", "R1", "open")).status_code == 409
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()
