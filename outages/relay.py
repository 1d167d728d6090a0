"""The relay: PostgreSQL's `oms_outages` notifications → the channel layer's `outages` group.

The engine announces every outage change with `pg_notify('oms_outages', {"id", "event_id",
"kind"})` (and each logged switching operation or rule-set switch, LOGGED below), which
PostgreSQL delivers only when the transaction commits, so whichever door a
change came through (REST, admin, a direct SQL call) it is pushed once, and a rolled-back change
never is. The relay LISTENs on its own connection (outside Django's pool), gathers the
notifications of a short window per outage (a storm of meter events becomes one push per outage),
loads those outages in one query in the API's shape and sends one group message each.

Every message carries `seq`, one more than the previous one. The channel layer is at-most-once,
so a client that sees a gap asks for a fresh snapshot; a heartbeat repeats the current `seq` so a
loss is noticed even when nothing else happens. A push that fails (channel layer or database away)
is retried with backoff, and a send that raised keeps its spent `seq`, so screens also resync.

With the in-memory layer each process relays for itself. With a shared layer (Redis) exactly one
relay runs per deployment: each process waits on a PostgreSQL advisory lock and the holder relays;
when its process dies the lock is released and a waiting one takes over, one past the `seq` it
has seen (what was committed meanwhile went unheard: the gap makes every screen resync).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import psycopg
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connections

from oms import metrics
from outages.sweep import start_sweeping, stop_sweeping

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "oms_outages"
GROUP = "outages"
# pg_advisory_lock key of the deployment's one relay ("oms_rly" in ASCII).
RELAY_LOCK_KEY = 0x6F6D735F726C79

# When one outage changes several ways in a window, the push names the weightiest change.
KIND_WEIGHT = {"updated": 0, "created": 1, "restored": 2, "closed": 3}
# Logged operations pushed in the same stream: a notification {"<kind>": id} becomes a message
# of this type, carrying the log entry under "<kind>" (a switching operation, a rule-set switch).
LOGGED = {"switching": "switching.operated", "rules": "rules.switched"}
# The longest wait between retries of a push that failed (the channel layer or database away).
RETRY_MAX_SECONDS = 5.0


@dataclass
class StreamState:
    """What this process knows of the deployment's push stream (shared by relay and consumers)."""

    seq: int | None = None
    role: str = "stopped"  # stopped | standby | leader
    # Commit → push of the latest push, and since when (monotonic) changes wait to be pushed.
    lag: float | None = None
    waiting_since: float | None = None

    def lag_now(self) -> float | None:
        """Seconds the oldest unpushed change has waited, else the latest push's lag."""
        if self.waiting_since is not None:
            return time.monotonic() - self.waiting_since
        return self.lag

    def observe(self, seq: int) -> None:
        self.seq = seq


STREAM = StreamState()


def relay_state() -> str:
    return STREAM.role


def layer_is_shared() -> bool:
    """True when several processes share the layer (then one relay is elected per deployment)."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return "InMemoryChannelLayer" not in backend


# OPTIONS that configure Django or psycopg objects, not the libpq connection itself.
NOT_LIBPQ_OPTIONS = {
    "pool", "isolation_level", "server_side_binding", "assume_role", "prepare_threshold",
    "cursor_factory", "context",
}  # fmt: skip


def database_conninfo(alias: str = "default") -> str:
    """libpq connection string of Django's database (the test database under pytest)."""
    params = connections[alias].settings_dict
    options = {
        key: value
        for key, value in (params.get("OPTIONS") or {}).items()
        if key not in NOT_LIBPQ_OPTIONS and isinstance(value, str | int)
    }
    return psycopg.conninfo.make_conninfo(
        dbname=params.get("NAME") or "",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=str(params["PORT"]) if params.get("PORT") else None,
        **{"application_name": "oms-outage-relay", **options},
    )


def _parse(payload: str) -> tuple[int | None, str | None, str]:
    try:
        body = json.loads(payload)
    except ValueError:
        logger.warning("relay: ignored a notification that is not JSON: %.200s", payload)
        return None, None, "updated"
    for logged in LOGGED:
        if body.get(logged) is not None:
            return int(body[logged]), None, logged
    kind = body.get("kind") if body.get("kind") in KIND_WEIGHT else "updated"
    pk = body.get("id")
    return (int(pk) if pk is not None else None), body.get("event_id"), kind


def _key(pk: int | None, event_id: str | None, kind: str) -> tuple:
    if kind in LOGGED:
        return (kind, pk)
    return ("pk", pk) if pk is not None else ("event_id", event_id)


def _weight(kind: str) -> int:
    return KIND_WEIGHT.get(kind, 0)


def load_logged(kind: str, pks: list[int]) -> dict:
    """Log entries of one LOGGED kind in the API's shape, keyed by pk."""
    from outages.api.rules import RuleSetSwitchSerializer
    from outages.api.switching import SwitchingOperationSerializer
    from outages.models import RuleSetSwitch
    from topology.models import SwitchingOperation

    model, serializer = {
        "switching": (SwitchingOperation, SwitchingOperationSerializer),
        "rules": (RuleSetSwitch, RuleSetSwitchSerializer),
    }[kind]
    try:
        return {
            entry.pk: dict(serializer(entry).data) for entry in model.objects.filter(pk__in=pks)
        }
    finally:
        close_old_connections()
        connections["default"].close()


def load_outages(pks: list[int], event_ids: list[str]) -> tuple[dict, dict, dict]:
    """The changed outages in the API's shape, keyed by pk and by event_id, and the summary."""
    from django.db.models import Q

    from outages.api.serializers import OutageSerializer, outage_summary, outages_for_api
    from outages.models import Outage

    try:
        queryset = outages_for_api(Outage.objects.filter(Q(pk__in=pks) | Q(event_id__in=event_ids)))
        outages = list(queryset)
        # One serializer for the batch: building DRF fields costs more than a row.
        shaped = OutageSerializer(outages, many=True).data
        by_pk, by_event_id = {}, {}
        for outage, data in zip(outages, shaped, strict=True):
            by_pk[outage.pk] = by_event_id[outage.event_id] = dict(data)
        return by_pk, by_event_id, outage_summary()
    finally:
        # Runs in a worker thread: hand its connection back to the pool.
        close_old_connections()
        connections["default"].close()


class OutageRelay:
    def __init__(
        self,
        *,
        conninfo: str | None = None,
        layer=None,
        elect: bool | None = None,
        window: float | None = None,
        heartbeat: float | None = None,
    ):
        self.conninfo = conninfo or database_conninfo()
        self.layer = layer or get_channel_layer()
        self.elect = layer_is_shared() if elect is None else elect
        self.window = settings.OMS_PUSH_WINDOW_S if window is None else window
        self.heartbeat = settings.OMS_PUSH_HEARTBEAT_S if heartbeat is None else heartbeat
        self.seq = 0
        self.pending: dict[tuple, tuple[int | None, str | None, str]] = {}
        self.flush_lock = asyncio.Lock()
        self.flush_task: asyncio.Task | None = None
        self.last_sent = 0.0
        self.window_opened = 0.0
        self.last_flush = 0.0
        self.retry_delay = 0.0
        self.leading = asyncio.Event()

    async def run(self) -> None:
        """Relay until cancelled, reconnecting with backoff when the database goes away."""
        backoff = 0.5
        try:
            while True:
                started = time.monotonic()
                try:
                    await self._serve()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    logger.warning("relay: %s; reconnecting in %.1fs", exc, backoff)
                STREAM.role = "stopped"
                self.leading.clear()
                # No pushes while not leading; what is pending waits for the next lead.
                if self.flush_task is not None:
                    self.flush_task.cancel()
                if time.monotonic() - started > 30:
                    backoff = 0.5
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
        finally:
            STREAM.role = "stopped"
            self.leading.clear()
            if self.flush_task is not None:
                self.flush_task.cancel()

    async def _serve(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            if self.elect:
                STREAM.role = "standby"
                # Blocks until the deployment's relay (if any) goes away.
                await conn.execute("SELECT pg_advisory_lock(%s)", [RELAY_LOCK_KEY])
            await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            STREAM.role = "leader"
            # Continue the stream this process has seen, one number on: changes committed while
            # no relay listened (a failover, a reconnect) were never heard, so every screen must
            # see a gap and resync.
            self.seq = 0 if STREAM.seq is None else STREAM.seq + 1
            logger.info("relay: leading (elected=%s, seq=%s)", self.elect, self.seq)
            self.leading.set()
            await self._send_heartbeat()
            if self.pending:
                self.flush_task = asyncio.get_running_loop().create_task(self._flush_later(0))
            while True:
                async for note in conn.notifies(timeout=self.heartbeat):
                    self.collect(note.payload)
                if time.monotonic() - self.last_sent >= self.heartbeat:
                    await self._send_heartbeat()

    def collect(self, payload: str) -> None:
        """Remember a notification and schedule its push.

        A throttle, not a debounce: after a quiet spell a change is pushed at once; changes that
        follow within `window` of the last push wait for the window's end and go together, one
        push per outage. (Notifications of one commit arrive together and always share a push.)
        """
        pk, event_id, kind = _parse(payload)
        if pk is None and not event_id:
            return
        key = _key(pk, event_id, kind)
        if not self.pending:
            self.window_opened = time.monotonic()
            if STREAM.waiting_since is None:
                STREAM.waiting_since = self.window_opened
        previous = self.pending.get(key)
        if previous is None or _weight(kind) > _weight(previous[2]):
            self.pending[key] = (pk, event_id, kind)
        if self.flush_task is None or self.flush_task.done():
            delay = max(0.0, self.last_flush + self.window - time.monotonic())
            self.flush_task = asyncio.get_running_loop().create_task(self._flush_later(delay))

    async def _flush_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            await self.flush()
        except Exception as exc:
            # flush() put back what it did not send: retry it, backing off while it fails.
            self.retry_delay = min(max(self.retry_delay * 2, self.window, 0.05), RETRY_MAX_SECONDS)
            logger.warning("relay: a push failed (%s); retrying in %.2fs", exc, self.retry_delay)
            self.flush_task = asyncio.get_running_loop().create_task(
                self._flush_later(self.retry_delay)
            )
        else:
            self.retry_delay = 0.0

    def _requeue(self, unsent: list[tuple[int | None, str | None, str]]) -> None:
        """Put changes back ahead of those that arrived meanwhile, keeping the weightiest kind."""
        arrived, self.pending = self.pending, {}
        for pk, event_id, kind in [*unsent, *arrived.values()]:
            key = _key(pk, event_id, kind)
            previous = self.pending.get(key)
            if previous is None or _weight(kind) > _weight(previous[2]):
                self.pending[key] = (pk, event_id, kind)

    async def flush(self) -> int:
        """Push every pending outage (one message each, in order); return how many."""
        async with self.flush_lock:
            batch, self.pending = list(self.pending.values()), {}
            if not batch:
                return 0
            opened = self.window_opened
            started = self.last_flush = time.monotonic()
            pks = [pk for pk, _, kind in batch if pk is not None and kind not in LOGGED]
            event_ids = [event_id for _, event_id, _ in batch if event_id]
            logged: dict[str, list[int]] = {}
            for pk, _, kind in batch:
                if kind in LOGGED:
                    logged.setdefault(kind, []).append(pk)
            done = sent = 0
            try:
                by_pk, by_event_id, summary = await database_sync_to_async(
                    load_outages, thread_sensitive=False
                )(pks, event_ids)
                entries = {
                    kind: await database_sync_to_async(load_logged, thread_sensitive=False)(
                        kind, kind_pks
                    )
                    for kind, kind_pks in logged.items()
                }
                for pk, event_id, kind in batch:
                    if kind in LOGGED:
                        if pk in entries[kind]:
                            await self._send_logged(kind, entries[kind][pk], summary)
                            sent += 1
                        done += 1
                        continue
                    outage = by_pk.get(pk) if pk is not None else None
                    outage = outage or by_event_id.get(event_id)
                    if outage is None and event_id:
                        # Gone from the table (deleted): tell the screens to drop it.
                        outage, kind = {"event_id": event_id, "status": "deleted"}, "closed"
                    if outage is not None:
                        await self._send(f"outage.{kind}", outage, summary)
                        sent += 1
                    done += 1
            except BaseException:
                # Nothing a failed push held is dropped: the rest of the batch goes back to be
                # retried (a send that failed has spent its `seq`, so screens also see a gap).
                self._requeue(batch[done:])
                raise
            STREAM.lag = time.monotonic() - opened
            STREAM.waiting_since = self.window_opened if self.pending else None
            metrics.observe_relay_lag(STREAM.lag)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "relay: pushed %d change(s); waited %.0f ms, loaded and sent in %.0f ms",
                    sent,
                    (started - self.window_opened) * 1000,
                    (time.monotonic() - started) * 1000,
                )
            return sent

    async def _send(self, kind: str, outage: dict, summary: dict) -> None:
        # Spent before sending: a send that raised may still have reached some screens (or none),
        # so its number is never reused and the next message shows them a gap.
        self.seq += 1
        STREAM.observe(self.seq)
        self.last_sent = time.monotonic()
        # Encoded once here, not once per connected screen.
        text = json.dumps({"type": kind, "seq": self.seq, "outage": outage, "summary": summary})
        await self.layer.group_send(
            GROUP, {"type": "outage.event", "event": kind, "seq": self.seq, "text": text}
        )

    async def _send_logged(self, logged: str, entry: dict, summary: dict) -> None:
        self.seq += 1
        STREAM.observe(self.seq)
        self.last_sent = time.monotonic()
        kind = LOGGED[logged]
        text = json.dumps({"type": kind, "seq": self.seq, logged: entry, "summary": summary})
        await self.layer.group_send(
            GROUP, {"type": "outage.event", "event": kind, "seq": self.seq, "text": text}
        )

    async def _send_heartbeat(self) -> None:
        self.last_sent = time.monotonic()
        STREAM.observe(self.seq)
        await self.layer.group_send(GROUP, {"type": "outage.heartbeat", "seq": self.seq})


_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


def relay_enabled() -> bool:
    return settings.OMS_RELAY


def ensure_relay_started() -> asyncio.Task | None:
    """Start this process's relay on the running loop once (OMS_RELAY=off disables it)."""
    if not relay_enabled():
        return None
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is None or task.done():
        task = _tasks[loop] = loop.create_task(OutageRelay().run(), name="oms-outage-relay")
        start_sweeping(loop)
    return task


def stop_relay() -> None:
    for task in _tasks.values():
        task.cancel()
    _tasks.clear()
    stop_sweeping()
