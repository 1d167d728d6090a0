"""Faults survived in-process: database errors answered 503 + Retry-After wherever they are
raised (other errors stay 500), ingest unaffected by a dead channel layer (Redis), and screens
resyncing from a snapshot once the layer is back. The real PostgreSQL restart is in
test_database_restart.py."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.db import IntegrityError, InterfaceError, OperationalError

from ingest import actions
from tests.conftest import load_fixture
from tests.live.helpers import ingest, scada

ONU = load_fixture("providers/onu_last_gasp.json")


def assert_unavailable(response):
    assert response.status_code == 503, response.content
    assert int(response["Retry-After"]) > 0
    assert "retry" in response.json()["detail"].lower()


@pytest.mark.django_db
def test_database_errors_in_views_are_503_with_retry_after(grid, token_client, monkeypatch):
    client = token_client("ingest:onu", "read")

    def database_gone(*args, **kwargs):
        raise OperationalError("consuming input failed: server closed the connection")

    monkeypatch.setattr(actions, "ingest_events", database_gone)
    assert_unavailable(client.post("/api/ingest/onu/", ONU, format="json"))
    assert_unavailable(client.post("/api/ingest/onu/batch/", {"events": [ONU]}, format="json"))

    from meters.api import views as meter_views

    def connection_closed():
        raise InterfaceError("the connection is closed")

    monkeypatch.setattr(meter_views, "meters_for_api", connection_closed)
    assert_unavailable(client.get("/api/meters/"))


@pytest.mark.django_db
def test_a_database_error_outside_the_view_is_503_too(grid, token_client, monkeypatch):
    """The session middleware saving after the view (a 500 by the time it leaves Django's
    handler) is answered 503 as well."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def save_fails(self, request, response):
        raise OperationalError("could not receive data from server")

    monkeypatch.setattr(SessionMiddleware, "process_response", save_fails)
    client = token_client("read")
    client.raise_request_exception = False
    assert_unavailable(client.get("/api/outages/"))


@pytest.mark.django_db
def test_other_errors_stay_500(grid, token_client, monkeypatch):
    def bug(*args, **kwargs):
        raise IntegrityError("a bug, not an outage of the database")

    monkeypatch.setattr(actions, "ingest_events", bug)
    client = token_client("ingest:onu")
    client.raise_request_exception = False
    response = client.post("/api/ingest/onu/", ONU, format="json")
    assert response.status_code == 500
    assert "Retry-After" not in response


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory layer, whose publishes fail like a stopped Redis while `down` is set
    (subscriptions survive, as channels_redis' pub/sub connections resubscribe)."""

    down = False
    refused: asyncio.Event

    async def group_send(self, group, message):
        if FlakyLayer.down:
            FlakyLayer.refused.set()
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return await super().group_send(group, message)


@pytest.fixture
def flaky_layer(settings):
    FlakyLayer.down = False
    FlakyLayer.refused = asyncio.Event()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.scale.test_faults.FlakyLayer"}}
    yield FlakyLayer
    FlakyLayer.down = False


@pytest.mark.django_db
def test_ingest_works_while_the_channel_layer_is_down(grid, token_client, flaky_layer, client):
    flaky_layer.down = True
    response = token_client("ingest:onu").post("/api/ingest/onu/", ONU, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "processed"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["database"] == "ok" and health.json()["channel_layer"] == "error"
    flaky_layer.down = False
    assert client.get("/healthz").json()["channel_layer"] == "ok"


@pytest.mark.django_db(transaction=True)
async def test_screens_resync_from_a_snapshot_when_the_layer_returns(grid, flaky_layer):
    """A change committed while the layer is down is never pushed; once the layer is back the
    stream a screen follows shows a gap, so the screen asks for a snapshot (the websocket
    consumer's `resync`, tests/live), and the snapshot has the change."""
    from channels.layers import get_channel_layer

    from outages.api.serializers import active_outages
    from outages.relay import GROUP, STREAM, OutageRelay

    layer = get_channel_layer()
    screen = await layer.new_channel()  # what each dashboard's consumer is subscribed as
    await layer.group_add(GROUP, screen)
    STREAM.seq = None
    relay = OutageRelay(layer=layer, window=0.02, heartbeat=0.2, elect=False)
    task = asyncio.create_task(relay.run())
    try:
        first = await asyncio.wait_for(layer.receive(screen), 10)
        assert first["type"] == "outage.heartbeat"
        last = first["seq"]

        flaky_layer.down = True
        # The relay's next heartbeat fails: it drops its connection and waits to retry.
        await asyncio.wait_for(flaky_layer.refused.wait(), 10)
        await asyncio.wait_for(until_stopped(), 10)
        answer = await database_sync_to_async(ingest)("scada", scada("FD002", "SS001"))
        flaky_layer.down = False

        # The screen's rule: a heartbeat not at its last seq, or an event not at last + 1.
        gap = None
        for _ in range(50):
            message = await asyncio.wait_for(layer.receive(screen), 10)
            expected = last if message["type"] == "outage.heartbeat" else last + 1
            if message["seq"] != expected:
                gap = message
                break
            last = message["seq"]
        assert gap is not None, "the screen would never learn it missed a change"
        snapshot = await database_sync_to_async(active_outages)()
        assert [outage["event_id"] for outage in snapshot] == [answer["outage_event_id"]]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await database_sync_to_async(close_connection)()


async def until_stopped():
    """The relay's state after a failure (an await on the state, as no event marks it)."""
    from outages.relay import STREAM

    while STREAM.role != "stopped":
        await asyncio.sleep(0)


def close_connection():
    """The connection of the thread that committed the change, or the test database could not
    be dropped at the end of the run."""
    from django.db import connection

    connection.close()
