"""The websocket feed: admission (session, token, none → 4401), snapshot, resync, pushes in order.

Pushes here go through the relay listening on the test database; changes are committed with a
direct `pg_notify` as the engine does, so these tests do not depend on the engine's rules.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.live.helpers import (
    ORIGIN,
    commit_change,
    connect,
    expect_closed_4401,
    read_token,
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
    assert [o["event_id"] for o in snapshot["outages"]] == ["OMS-2", "OMS-1"]
    assert snapshot["outages"][1]["source_types"] == ["onu", "scada"]
    assert snapshot["summary"]["active_outages"] == 2
    assert snapshot["summary"]["affected_customers"] == 39
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


async def test_committed_changes_are_pushed_once_and_rolled_back_ones_never(grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["outages"] == []

    await commit_change("OMS-A", "created")
    created = await communicator.receive_json_from(timeout=10)
    assert created["type"] == "outage.created"
    assert created["outage"]["event_id"] == "OMS-A"
    assert created["outage"]["feeder"] == "FD002"
    assert created["summary"]["active_outages"] == 1
    assert created["seq"] == snapshot["seq"] + 1

    await commit_change("OMS-B", "created", feeder="FD003", rollback=True)
    # A barrier: the next message is this one, so the rolled-back change was never pushed.
    await commit_change("OMS-A", "restored", status="restored")
    restored = await communicator.receive_json_from(timeout=10)
    assert (restored["type"], restored["outage"]["event_id"]) == ("outage.restored", "OMS-A")
    assert restored["outage"]["status"] == "restored"
    assert restored["seq"] == created["seq"] + 1
    await communicator.disconnect()


async def test_a_burst_for_one_outage_is_one_push(grid, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    await communicator.receive_json_from(timeout=5)
    relay.window = 2.0  # wide enough to gather the three transactions below
    # After a quiet spell a change goes out at once and opens a window...
    await commit_change("OMS-W", "created", feeder="FD003")
    first = await communicator.receive_json_from(timeout=10)
    assert first["outage"]["event_id"] == "OMS-W"
    # ... in which changes gather: three transactions on one outage make one push.
    await commit_change("OMS-C", "created")
    await commit_change("OMS-C", "updated")
    await commit_change("OMS-C", "updated", extra_kinds=("restored",))
    burst = await communicator.receive_json_from(timeout=10)
    assert burst["outage"]["event_id"] == "OMS-C"
    assert burst["type"] == "outage.restored"  # the weightiest change of the window
    assert burst["seq"] == first["seq"] + 1
    relay.window = 0.02
    await commit_change("OMS-D", "created", feeder="FD001")
    barrier = await communicator.receive_json_from(timeout=10)
    assert barrier["outage"]["event_id"] == "OMS-D"
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
        await commit_change("OMS-E", "created")
        pushed = await communicator.receive_json_from(timeout=10)
        assert (pushed["type"], pushed["seq"]) == ("outage.created", 1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task  # closes the relay's own connection before the test database goes
        await communicator.disconnect()
