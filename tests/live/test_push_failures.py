"""Pushes that fail mid-storm are never lost silently (CONTRACT §7): a dashboard following the
feed's rule (a gap in `seq`, or a heartbeat not at its `seq`, means resync) ends up showing what
the database holds. The storm is real ingests through the engine; the dashboard is a real
websocket consumer; the channel layer or the relay's database read fails partway through."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import sync_to_async

from oms.channel_layers import InMemoryChannelLayer
from outages.relay import GROUP, STREAM, OutageRelay
from tests.live.helpers import connect, read_token

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2025, 10, 1, 6, 0, tzinfo=UTC)
ACTIVE = {"detected", "confirmed", "in_progress"}


class FailingLayer(InMemoryChannelLayer):
    """The in-memory layer whose outage pushes fail, like a Redis that drops its connection,
    for the push numbers listed in `fail_pushes` (counted from 1)."""

    fail_pushes: set[int] = set()
    pushes = 0

    async def group_send(self, group, message):
        if group == GROUP and message.get("type") == "outage.event":
            FailingLayer.pushes += 1
            if FailingLayer.pushes in FailingLayer.fail_pushes:
                raise ConnectionError("Error 104 while writing to socket. Connection reset.")
        return await super().group_send(group, message)


@pytest.fixture
def failing_layer(settings):
    FailingLayer.pushes, FailingLayer.fail_pushes = 0, set()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.live.test_push_failures.FailingLayer"}}
    yield FailingLayer
    FailingLayer.fail_pushes = set()


@pytest.fixture
async def storm_relay(failing_layer):
    STREAM.seq = None
    instance = OutageRelay(window=0.01, heartbeat=600, elect=False)
    task = asyncio.create_task(instance.run())
    await asyncio.wait_for(instance.leading.wait(), 10)
    yield instance
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await sync_to_async(close_ingest_connection)()


def close_ingest_connection():
    """The connection of the thread the ingests ran in, or the test database cannot be dropped."""
    from django.db import connection

    connection.close()


def onu_gasp(n: int, meter: str, minute: int) -> dict:
    return {
        "eventId": f"onu-storm-{n}",
        "type": "ONU_LastGaspAlert",
        "onuId": 5000 + n,
        "onuSerial": f"SER{n:06d}",
        "timestamp": (T0 + timedelta(minutes=minute)).isoformat(),
        "associatedMeters": [meter],
    }


def scada(feeder: str, substation: str, restore: bool, minute: int) -> dict:
    return {
        "eventType": "MV_AlarmRestoration" if restore else "MV_AlarmLossOfVoltage",
        "alarmType": "Energized" if restore else "De-energized",
        "substationId": substation,
        "feederId": feeder,
        "timestamp": (T0 + timedelta(minutes=minute)).isoformat(),
    }


STORM = [
    ("onu", onu_gasp(1, "M40000001", 1)),
    ("scada", scada("FD003", "SS002", False, 2)),
    ("onu", onu_gasp(2, "M40000041", 3)),
    ("onu", onu_gasp(3, "M40000042", 4)),
    ("onu", onu_gasp(4, "M40000061", 5)),
    ("scada", scada("FD003", "SS002", True, 6)),
    ("onu", onu_gasp(5, "M40000002", 7)),
    ("onu", onu_gasp(6, "M40000021", 8)),
    ("onu", onu_gasp(7, "M40000062", 9)),
]
# Touches no other outage, so its push is the last message of the storm.
BARRIER = ("scada", scada("FD003", "SS002", False, 20))


@sync_to_async
def ingest(key: str, provider: str, event: dict) -> dict:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(f"/api/ingest/{provider}/", event, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@sync_to_async
def active_in_database() -> dict[str, tuple]:
    from outages.api.serializers import active_outages

    return {o["event_id"]: view(o) for o in active_outages()}


def view(outage: dict) -> tuple:
    return outage["status"], outage["affected_meters_count"], outage["source_count"]


class Dashboard:
    """What dashboard.js keeps: the active outages, and the `seq` it has applied."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.seq = None
        self.outages: dict[str, tuple] = {}
        self.resyncs = 0
        self.awaiting_snapshot = False

    async def apply(self, message: dict) -> None:
        kind = message["type"]
        if kind == "snapshot":
            self.seq, self.awaiting_snapshot = message["seq"], False
            self.outages = {o["event_id"]: view(o) for o in message["outages"]}
            return
        if kind == "heartbeat":
            if self.seq is not None and message["seq"] != self.seq:
                await self.resync()
            return
        if self.seq is not None and message["seq"] <= self.seq:
            return  # already in the snapshot that was built after it
        if self.seq is not None and message["seq"] != self.seq + 1:
            await self.resync()
        self.seq = message["seq"]
        outage = message["outage"]
        if outage["status"] in ACTIVE:
            self.outages[outage["event_id"]] = view(outage)
        else:
            self.outages.pop(outage["event_id"], None)

    async def resync(self) -> None:
        self.resyncs += 1
        self.awaiting_snapshot = True
        await self.communicator.send_json_to({"type": "resync"})

    async def follow_until(self, event_id: str) -> None:
        """Apply messages until the push of `event_id` has come and no resync is outstanding."""
        seen = False
        while not seen or self.awaiting_snapshot:
            message = await self.communicator.receive_json_from(timeout=15)
            await self.apply(message)
            outage = message.get("outage") or {}
            seen = seen or outage.get("event_id") == event_id


async def watch_a_storm(failing_layer) -> Dashboard:
    feeds = await read_token("ingest:onu", "ingest:scada")
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    dashboard = Dashboard(communicator)
    await dashboard.apply(await communicator.receive_json_from(timeout=5))
    assert dashboard.seq == 0 and dashboard.outages == {}
    for provider, event in STORM:
        await ingest(feeds, provider, event)
    barrier = await ingest(feeds, *BARRIER)
    await dashboard.follow_until(barrier["outage_event_id"])
    await communicator.disconnect()
    return dashboard


async def test_pushes_that_the_layer_fails_mid_storm_are_retried_or_resynced(
    reference_data, grid, failing_layer, storm_relay
):
    failing_layer.fail_pushes = {2, 3, 6}
    dashboard = await watch_a_storm(failing_layer)
    assert failing_layer.pushes > 6, "the storm did not reach the failing pushes"
    assert dashboard.resyncs >= 1, "a failed send must leave a gap in seq"
    expected = await active_in_database()
    assert len(expected) >= 3
    assert dashboard.outages == expected


async def test_a_push_whose_database_read_fails_is_retried(
    reference_data, grid, failing_layer, storm_relay, monkeypatch
):
    """The relay's read of the changed outages fails once (the database away for a moment):
    nothing was sent, so no `seq` was spent and no screen would see a gap; the push must come."""
    from django.db import OperationalError

    from outages import relay

    real_load, calls = relay.load_outages, []

    def load_fails_once(pks, event_ids):
        calls.append(pks)
        if len(calls) == 4:
            raise OperationalError("server closed the connection unexpectedly")
        return real_load(pks, event_ids)

    monkeypatch.setattr(relay, "load_outages", load_fails_once)
    dashboard = await watch_a_storm(failing_layer)
    assert len(calls) > 4
    assert dashboard.outages == await active_in_database()


async def test_a_relay_that_takes_over_makes_every_screen_resync(
    reference_data, grid, failing_layer
):
    """Changes committed between the leader's death and the standby's LISTEN are heard by
    nobody, so the new leader starts one past the stream's seq: its first heartbeat is a gap."""
    STREAM.seq = None
    leader = OutageRelay(window=0.01, heartbeat=600, elect=True)
    leading = asyncio.create_task(leader.run())
    await asyncio.wait_for(leader.leading.wait(), 10)
    standby = OutageRelay(window=0.01, heartbeat=600, elect=True)
    waiting = asyncio.create_task(standby.run())
    try:
        feeds = await read_token("ingest:onu", "ingest:scada")
        communicator = await connect(f"/ws/outages/?token={await read_token('read')}")
        dashboard = Dashboard(communicator)
        await dashboard.apply(await communicator.receive_json_from(timeout=5))
        opened = await ingest(feeds, *STORM[1])
        await dashboard.follow_until(opened["outage_event_id"])
        assert dashboard.resyncs == 0

        leading.cancel()  # its connection closes, the advisory lock goes with it
        with pytest.raises(asyncio.CancelledError):
            await leading
        await asyncio.wait_for(standby.leading.wait(), 10)
        heartbeat = await communicator.receive_json_from(timeout=10)
        assert (heartbeat["type"], heartbeat["seq"]) == ("heartbeat", dashboard.seq + 1)
        await dashboard.apply(heartbeat)
        assert dashboard.resyncs == 1
        snapshot = await communicator.receive_json_from(timeout=10)
        await dashboard.apply(snapshot)
        assert dashboard.outages == await active_in_database()
        await communicator.disconnect()
    finally:
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await sync_to_async(close_ingest_connection)()
