"""Two real Daphne processes sharing the Redis channel layer (127.0.0.1:6379).

An event posted through one reaches websocket clients of both exactly once; one relay is elected
per deployment, and when its process dies the other takes over.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.live.servers import DaphneServer, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.needs("redis"),
]

TRIP = {
    "eventType": "MV_AlarmLossOfVoltage",
    "alarmType": "De-energized",
    "substationId": "SS001",
    "feederId": "FD001",
    "timestamp": "2025-10-01T06:15:30Z",
}
CLOSE = {**TRIP, "eventType": "MV_AlarmRestoration", "alarmType": "Energized",
         "timestamp": "2025-10-01T07:15:30Z"}  # fmt: skip
TRIP_FD003 = {**TRIP, "substationId": "SS002", "feederId": "FD003"}


@pytest.fixture
def servers(grid):
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_PREFIX": f"oms-test-{uuid.uuid4().hex}"}
    pair = [DaphneServer("a", **env), DaphneServer("b", **env)]
    try:
        for server in pair:
            server.start()
        wait_for(
            lambda: sorted(server.health()["relay"] for server in pair) == ["leader", "standby"],
            what="one relay leader and one standby",
        )
        yield pair
    finally:
        for server in pair:
            server.stop()


@pytest.fixture
def tokens(db):
    from oms.tokens import issue_token

    return {"read": issue_token("wall", ["read"]), "scada": issue_token("scada", ["ingest:scada"])}


def settled_snapshot(client) -> dict:
    """The snapshot that carries the stream's position.

    A process that has not yet heard the relay sends its first snapshot with `seq` null and a
    fresh one as soon as it does (at the latest on the relay's heartbeat)."""
    while True:
        message = json.loads(client.recv(timeout=15))
        if message["type"] == "snapshot" and message["seq"] is not None:
            return message


def next_push(client, timeout: float = 20) -> dict:
    """The next outage message (heartbeats skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(client.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] != "heartbeat":
            return message


def test_an_event_posted_to_one_process_reaches_clients_of_both_once(servers, tokens):
    from websockets.sync.client import connect

    first, second = servers
    with (
        connect(f"{first.ws_url}/ws/outages/?token={tokens['read']}") as on_first,
        connect(f"{second.ws_url}/ws/outages/?token={tokens['read']}") as on_second,
    ):
        snapshots = [settled_snapshot(client) for client in (on_first, on_second)]
        assert snapshots[0]["seq"] == snapshots[1]["seq"]

        status, answer = first.post("/api/ingest/scada/", TRIP, tokens["scada"])
        assert status == 201, answer
        created = [next_push(client) for client in (on_first, on_second)]
        for message in created:
            assert message["type"] == "outage.created"
            assert message["outage"]["feeder"] == "FD001"
            assert message["outage"]["event_id"] == answer["outage_event_id"]
        assert created[0]["seq"] == created[1]["seq"]

        # Through the other process now; the next message is this one, so nothing came twice.
        status, _ = second.post("/api/ingest/scada/", CLOSE, tokens["scada"])
        assert status == 201
        for client, before in zip((on_first, on_second), created, strict=True):
            restored = next_push(client)
            assert restored["type"] == "outage.restored"
            assert restored["outage"]["event_id"] == before["outage"]["event_id"]
            assert restored["seq"] == before["seq"] + 1


def test_the_standby_relay_takes_over_when_the_leader_dies(servers, tokens):
    from websockets.sync.client import connect

    leader = next(server for server in servers if server.health()["relay"] == "leader")
    survivor = next(server for server in servers if server is not leader)
    leader.stop(kill=True)
    wait_for(lambda: survivor.health()["relay"] == "leader", what="the standby to lead")
    with connect(f"{survivor.ws_url}/ws/outages/?token={tokens['read']}") as client:
        snapshot = settled_snapshot(client)
        status, answer = survivor.post("/api/ingest/scada/", TRIP_FD003, tokens["scada"])
        assert status == 201, answer
        message = next_push(client)
        assert message["type"] == "outage.created"
        assert message["seq"] == snapshot["seq"] + 1
        assert message["outage"]["feeder"] == "FD003"
