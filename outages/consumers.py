"""The websocket feed of live outages (`/ws/outages/`).

A client admitted by its session or a `?token=` with the `read` scope gets a snapshot of the
active outages, then one typed message per change (`outage.created|updated|restored|closed`),
each with the relay's `seq`. A client that sees a gap in `seq` (or a heartbeat whose `seq` is not
its last one) sends `{"type": "resync"}` and gets a fresh snapshot. A socket whose token is
rotated or revoked, or whose session ends, is closed with 4401 within seconds (oms/wsauth.py).
"""

import asyncio
import json
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from oms import metrics, wsauth
from oms.tokens import user_has_scope
from outages.relay import GROUP, STREAM

UNAUTHORIZED = 4401
# A snapshot built at stream position `seq` serves every client that connects while the
# position has not moved, for this long: a wall of screens reconnecting costs one query.
SNAPSHOT_REUSE_SECONDS = 2.0


def _snapshot() -> tuple[list[dict], dict]:
    from outages.api.serializers import active_outages, outage_summary

    return active_outages(), outage_summary()


class SnapshotCache:
    """The last snapshot this process built, as sent text, with the `seq` it was built at.

    Clients connecting together share one build (single flight) and, while the stream has not
    moved, one copy: a wall of screens reconnecting after a restart costs one query.
    """

    def __init__(self):
        self.seq: int | None = None
        self.built = 0.0
        self.text = ""
        self.pending: asyncio.Task | None = None
        self.pending_seq: int | None = None

    def get(self, seq: int | None) -> str | None:
        fresh = time.monotonic() - self.built < SNAPSHOT_REUSE_SECONDS
        return self.text if seq is not None and seq == self.seq and fresh else None

    def put(self, seq: int | None, text: str) -> None:
        self.seq, self.built, self.text = seq, time.monotonic(), text

    async def text_for(self, seq: int | None, reuse: bool = True) -> str:
        if reuse:
            cached = self.get(seq)
            if cached is not None:
                return cached
            pending = self.pending
            if (
                pending is not None
                and not pending.done()
                and self.pending_seq == seq
                and pending.get_loop() is asyncio.get_running_loop()
            ):
                return await asyncio.shield(pending)
        task = asyncio.ensure_future(self._build(seq))
        self.pending, self.pending_seq = task, seq
        return await asyncio.shield(task)

    async def _build(self, seq: int | None) -> str:
        # Off the consumers' shared database thread, so handshakes are not queued behind it.
        outages, summary = await database_sync_to_async(_snapshot, thread_sensitive=False)()
        text = json.dumps({"type": "snapshot", "seq": seq, "outages": outages, "summary": summary})
        self.put(seq, text)
        return text


SNAPSHOTS = SnapshotCache()


# Group messages whose handlers never touch the database.
PUSH_MESSAGES = frozenset({"outage.event", "outage.heartbeat"})


class OutageFeedConsumer(AsyncJsonWebsocketConsumer):
    joined = False
    # False until a snapshot was sent with a known `seq`; then pushes continue it.
    baseline = False
    # Set when its credential is gone: nothing more is sent.
    revoked = False

    async def connect(self):
        # Accept first so the client sees the 4401 code (a refused handshake carries none).
        await self.accept()
        credential = wsauth.credential_of(self.scope, "read")
        if credential is None or not user_has_scope(self.scope.get("user"), "read"):
            await self.close(code=UNAUTHORIZED)
            return
        wsauth.watch().add(self, credential)
        await self.channel_layer.group_add(GROUP, self.channel_name)
        self.joined = True
        metrics.WEBSOCKET_CLIENTS.inc()
        await self.send_snapshot()

    async def credential_revoked(self):
        """Called by the credential watch: the token or session that admitted us is gone."""
        self.revoked = True
        await self.close(code=UNAUTHORIZED)

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a hop to its one
        # shared sync thread per message and per screen. Pushes only forward text: skip it.
        if message.get("type") in PUSH_MESSAGES:
            if self.revoked:
                return
            handler = getattr(self, get_handler_name(message))
            await handler(message)
            return
        await super().dispatch(message)

    async def disconnect(self, code):
        wsauth.watch().discard(self)
        if self.joined:
            self.joined = False
            metrics.WEBSOCKET_CLIENTS.dec()
            await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def send_snapshot(self, reuse: bool = True):
        # Read `seq` before the database: every change up to it is committed, so it is in there.
        seq = STREAM.seq
        text = await SNAPSHOTS.text_for(seq, reuse=reuse)
        self.baseline = seq is not None
        await self.send(text_data=text)

    @classmethod
    async def decode_json(cls, text_data):
        # A client's garbage is ignored, not a reason to drop its connection.
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs):
        if self.revoked:
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resync":
            # The client saw a gap: build afresh rather than trust a cached copy.
            await self.send_snapshot(reuse=False)
        elif kind == "ping":
            await self.send_json({"type": "pong", "seq": STREAM.seq})

    async def outage_event(self, event):
        STREAM.observe(event["seq"])
        if not self.baseline:
            # The snapshot went out before this process knew the stream's position.
            await self.send_snapshot()
            return
        # The relay encoded the message once for every screen.
        await self.send(text_data=event["text"])

    async def outage_heartbeat(self, event):
        STREAM.observe(event["seq"])
        if not self.baseline:
            await self.send_snapshot()
            return
        await self.send_json({"type": "heartbeat", "seq": event["seq"]})
