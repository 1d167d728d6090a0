"""The websocket feed of live outages (`/ws/outages/`).

A client admitted by its session or a `?token=` with the `read` scope gets a snapshot of the
active outages, then one typed message per change (`outage.created|updated|restored|closed`),
each with the relay's `seq`. A client that sees a gap in `seq` (or a heartbeat whose `seq` is not
its last one) sends `{"type": "resync"}` and gets a fresh snapshot.
"""

import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from ingest.tokens import user_has_scope
from outages.relay import GROUP, STREAM

UNAUTHORIZED = 4401
# A snapshot built at stream position `seq` serves every client that connects while the
# position has not moved, for this long: a wall of screens reconnecting costs one query.
SNAPSHOT_REUSE_SECONDS = 2.0


def _snapshot() -> tuple[list[dict], dict]:
    from outages.api.serializers import active_outages, outage_summary

    return active_outages(), outage_summary()


class SnapshotCache:
    """The last snapshot this process built, as sent text, with the `seq` it was built at."""

    def __init__(self):
        self.seq: int | None = None
        self.built = 0.0
        self.text = ""

    def get(self, seq: int | None) -> str | None:
        fresh = time.monotonic() - self.built < SNAPSHOT_REUSE_SECONDS
        return self.text if seq is not None and seq == self.seq and fresh else None

    def put(self, seq: int | None, text: str) -> None:
        self.seq, self.built, self.text = seq, time.monotonic(), text


SNAPSHOTS = SnapshotCache()


class OutageFeedConsumer(AsyncJsonWebsocketConsumer):
    joined = False
    # False until a snapshot was sent with a known `seq`; then pushes continue it.
    baseline = False

    async def connect(self):
        # Accept first so the client sees the 4401 code (a refused handshake carries none).
        await self.accept()
        if not user_has_scope(self.scope.get("user"), "read"):
            await self.close(code=UNAUTHORIZED)
            return
        await self.channel_layer.group_add(GROUP, self.channel_name)
        self.joined = True
        await self.send_snapshot()

    async def disconnect(self, code):
        if self.joined:
            await self.channel_layer.group_discard(GROUP, self.channel_name)
            self.joined = False

    async def send_snapshot(self, reuse: bool = True):
        # Read `seq` before the database: every change up to it is committed, so it is in there.
        seq = STREAM.seq
        text = SNAPSHOTS.get(seq) if reuse else None
        if text is None:
            outages, summary = await database_sync_to_async(_snapshot)()
            text = json.dumps(
                {"type": "snapshot", "seq": seq, "outages": outages, "summary": summary}
            )
            SNAPSHOTS.put(seq, text)
        self.baseline = seq is not None
        await self.send(text_data=text)

    async def receive_json(self, content, **kwargs):
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
