"""The websocket feed: admission (session, token, none → 4401), snapshot, resync, pushes in order.

Pushes here go through the relay listening on the test database; the changes are the engine's,
made by feeds posted to the ingest endpoint, so what a screen receives is what the engine said.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from channels.db import database_sync_to_async

from tests.live.helpers import (
    ORIGIN,
    connect,
    expect_closed_4401,
    ingest,
    onu,
    read_token,
    scada,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_nobody_is_closed_with_4401():
    communicator = await connect()
    await expect_closed_4401(communicator)


async def test_a_bad_token_is_closed_with_4401():
    communicator = await connect("/ws/outages/?token=not-a-key")
    await expect_closed_4401(communicator)


async def test_a_token_without_read_is_closed_with_4401():
    key = await read_token("ingest:scada")
    communicator = await connect(f"/ws/outages/?token={key}")
    await expect_closed_4401(communicator)


async def test_a_read_token_gets_the_snapshot(outages):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    assert [o["event_id"] for o in snapshot["outages"]] == [outages["dp"], outages["feeder"]]
    assert snapshot["outages"][1]["source_types"] == ["onu", "scada"]
    assert snapshot["summary"]["active_outages"] == 2
    assert snapshot["summary"]["affected_customers"] == 39 + 20  # FD002 and DP005
    assert snapshot["summary"]["by_status"] == {"detected": 1, "confirmed": 1, "in_progress": 0}
    assert "seq" in snapshot
    await communicator.send_to(text_data="{not json")  # ignored, the socket stays up
    await communicator.send_json_to({"type": "resync"})
    again = await communicator.receive_json_from(timeout=5)
    assert again["type"] == "snapshot" and len(again["outages"]) == 2
    await communicator.disconnect()


async def test_a_session_from_our_origin_is_admitted(outages):
    cookie = await session_cookie()
    communicator = await connect(headers=[ORIGIN, cookie])
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_session_from_another_site_is_closed_with_4401(outages):
    cookie = await session_cookie()
    communicator = await connect(headers=[(b"origin", b"http://evil.example"), cookie])
    await expect_closed_4401(communicator)


async def test_a_session_without_origin_is_closed_with_4401(outages):
    cookie = await session_cookie()
    communicator = await connect(headers=[cookie])
    await expect_closed_4401(communicator)


# --- pushes through the relay ---------------------------------------------------------------


post = database_sync_to_async(ingest)


@database_sync_to_async
def rolled_back_trip(feeder: str, substation: str):
    """The ingest action applies a trip in a transaction that then rolls back."""
    from django.db import transaction

    from ingest import actions

    class Rollback(Exception):
        pass

    with contextlib.suppress(Rollback), transaction.atomic():
        actions.ingest_scada_events([scada(feeder, substation)])
        raise Rollback


async def test_committed_changes_are_pushed_once_and_rolled_back_ones_never(grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["outages"] == []

    answer = await post("scada", scada("FD002", "SS001"))
    created = await communicator.receive_json_from(timeout=10)
    assert created["type"] == "outage.created"
    assert created["outage"]["event_id"] == answer["outage_event_id"]
    assert created["outage"]["feeder"] == "FD002"
    assert created["outage"]["affected_customers_count"] == 39
    assert created["summary"]["active_outages"] == 1
    assert created["seq"] == snapshot["seq"] + 1

    await rolled_back_trip("FD003", "SS002")
    # A barrier: the next message is this one, so the rolled-back change was never pushed.
    await post("scada", scada("FD002", "SS001", energized=True, minutes=30))
    restored = await communicator.receive_json_from(timeout=10)
    assert (restored["type"], restored["outage"]["event_id"]) == (
        "outage.restored",
        answer["outage_event_id"],
    )
    assert restored["outage"]["status"] == "restored"
    assert restored["summary"]["active_outages"] == 0
    assert restored["seq"] == created["seq"] + 1
    await communicator.disconnect()


async def collected(relay, kind: str, timeout: float = 10):
    """Until the relay has heard a change of `kind` (notifications reach it asynchronously)."""

    async def heard():
        while kind not in {each for _, _, each in relay.pending.values()}:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(heard(), timeout)


async def test_a_burst_for_one_outage_is_one_push(grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    await communicator.receive_json_from(timeout=5)
    # After a quiet spell a change goes out at once and opens a window...
    first_id = (await post("scada", scada("FD003", "SS002")))["outage_event_id"]
    first = await communicator.receive_json_from(timeout=10)
    assert first["outage"]["event_id"] == first_id
    # ... in which changes gather (a window that cannot end by itself here, so the three
    # transactions below are gathered whatever the machine's speed): one outage, one push.
    relay.window = 3600
    burst_id = (await post("scada", scada("FD001", "SS001", minutes=1)))["outage_event_id"]
    await post("onu", onu(4101207, ["M40000001", "M40000002"], minutes=1.1))  # a source more
    await post("scada", scada("FD001", "SS001", energized=True, minutes=40))
    await collected(relay, "restored")
    relay.window = 0.02
    relay.flush_task.cancel()  # the window's end, now
    assert await relay.flush() == 1
    burst = await communicator.receive_json_from(timeout=10)
    assert burst["outage"]["event_id"] == burst_id
    assert burst["type"] == "outage.restored"  # the weightiest change of the window
    assert burst["outage"]["source_types"] == ["onu", "scada"]
    assert burst["seq"] == first["seq"] + 1
    barrier_id = (await post("scada", scada("FD002", "SS001", minutes=50)))["outage_event_id"]
    barrier = await communicator.receive_json_from(timeout=10)
    assert barrier["outage"]["event_id"] == barrier_id
    assert barrier["seq"] == burst["seq"] + 1
    await communicator.disconnect()


async def test_a_client_that_joined_before_the_stream_started_is_rebased(grid):
    """A snapshot sent while the process knew no `seq` is followed by a fresh one with it."""
    from outages.relay import STREAM, OutageRelay

    STREAM.seq = None
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    first = await communicator.receive_json_from(timeout=5)
    assert first["seq"] is None
    instance = OutageRelay(window=0.02, heartbeat=30, elect=False)
    task = asyncio.create_task(instance.run())
    try:
        rebased = await communicator.receive_json_from(timeout=10)  # on the relay's heartbeat
        assert rebased["type"] == "snapshot" and rebased["seq"] == 0
        await post("scada", scada("FD002", "SS001"))
        pushed = await communicator.receive_json_from(timeout=10)
        assert (pushed["type"], pushed["seq"]) == ("outage.created", 1)
        assert pushed["outage"]["feeder"] == "FD002"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # closes the relay's own connection before the test database goes
        await communicator.disconnect()
