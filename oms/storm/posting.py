"""Cutting a storm's arrival-ordered stream into per-provider ingest batches and sending them
(HTTP or any transport), timing them; resetting the event state between benchmark storms."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from oms.storm.faults import OUTAGE_PHASE, Storm

MAX_BATCH = 5000  # CONTRACT §4
MAX_BODY_BYTES = 4_000_000  # under the default 5 MiB ingest body limit


@dataclass
class Batch:
    provider: str
    body: bytes
    count: int
    faults: set[int]  # faults whose outage-phase messages it carries
    first_arrival: float


def endpoint(provider: str) -> str:
    """The path a batch goes to: `/api/ingest/<provider>/batch/`, or for an operation
    (provider `operate/<kind>/<code>`) `/api/devices/<kind>/<code>/operate/`."""
    if provider.startswith("operate/"):
        return f"/api/devices/{provider.removeprefix('operate/')}/operate/"
    return f"/api/ingest/{provider}/batch/"


def batches(
    storm: Storm,
    batch_size: int = 2000,
    window: float = 60.0,
    max_bytes: int = MAX_BODY_BYTES,
) -> Iterator[Batch]:
    """Cut the arrival-ordered stream into per-provider batches.

    A provider's batch closes at `batch_size` events or `max_bytes`, and every open batch closes
    once the stream has moved `window` seconds (storm time) past the oldest message waiting, so
    providers stay in step: a SCADA trip is not held back behind an hour of last gasps. An
    operation (provider `operate`) closes every open batch and goes alone, as
    `operate/<kind>/<code>` (see `endpoint`).
    """
    batch_size = min(batch_size, MAX_BATCH)
    open_: dict[str, list] = {}  # provider -> [parts, size, faults, first_arrival]

    def close(provider: str) -> Batch:
        parts, _, faults, first = open_.pop(provider)
        body = b'{"events":[' + b",".join(parts) + b"]}"
        return Batch(provider, body, len(parts), faults, first)

    oldest = math.inf
    for e in storm.emissions:
        if e.provider == "operate":
            for provider in sorted(open_, key=lambda p: open_[p][3]):
                yield close(provider)
            oldest = math.inf
            body = json.dumps(storm.render(e)).encode()
            yield Batch(f"operate/{e.ref.kind}/{e.ref.code}", body, 1, set(), e.arrival)
            continue
        if e.arrival - oldest > window:
            for provider in sorted(open_, key=lambda p: open_[p][3]):
                yield close(provider)
            oldest = math.inf
        part = json.dumps(storm.render(e), separators=(",", ":")).encode()
        entry = open_.get(e.provider)
        if entry and (len(entry[0]) >= batch_size or entry[1] + len(part) > max_bytes):
            yield close(e.provider)
            entry = None
            oldest = min((v[3] for v in open_.values()), default=math.inf)
        if entry is None:
            entry = open_[e.provider] = [[], 20, set(), e.arrival]
            oldest = min(oldest, e.arrival)
        entry[0].append(part)
        entry[1] += len(part) + 1
        if e.phase == OUTAGE_PHASE and e.fault >= 0:
            entry[2].add(e.fault)
    for provider in sorted(open_, key=lambda p: open_[p][3]):
        yield close(provider)


# (provider, body) -> status, json, headers; the path for a provider is `endpoint(provider)`
Sender = Callable[[str, bytes], tuple[int, dict, dict]]


def reset_event_state() -> None:
    """Back to a quiet grid: no events, no outages, every meter's power unknown (benchmarks
    run one storm after another on one loaded grid)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE kaifa_events, onu_events, callcenter_tickets, scada_events,"
            " oms_meter_status_events, oms_outage_events, oms_outage_meters, oms_event_sources,"
            " oms_event_timeline CASCADE"
        )
        cursor.execute(
            "UPDATE oms_meters SET power_status = 'unknown', last_power_change = NULL"
            " WHERE power_status <> 'unknown' OR last_power_change IS NOT NULL"
        )
        cursor.execute("VACUUM ANALYZE oms_meters")


def http_sender(base_url: str, token: str, timeout: float = 300.0) -> Sender:
    """POST batches to `{base_url}/api/ingest/<provider>/batch/`, one keep-alive connection per
    thread."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    local = threading.local()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def send(provider: str, body: bytes) -> tuple[int, dict, dict]:
        conn = getattr(local, "conn", None)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = local.conn = cls(parts.hostname, parts.port, timeout=timeout)
        try:
            conn.request("POST", f"{parts.path.rstrip('/')}{endpoint(provider)}", body, headers)
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            local.conn = None
            raise
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {"raw": raw[:500].decode(errors="replace")}
        return response.status, payload, dict(response.getheaders())

    return send


@dataclass
class PostResult:
    events: int = 0  # sent
    delivered: int = 0  # in batches answered 2xx
    batches: int = 0
    seconds: float = 0.0
    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)  # (provider, index, errors)
    failures: list = field(default_factory=list)  # (provider, status, body) after retries
    retries: int = 0
    latencies: list = field(default_factory=list)  # seconds per batch request
    fault_acked: dict = field(default_factory=dict)  # fault -> wall time its last message acked
    started_at: float = 0.0

    aborted: bool = False  # stopped after `abort_after` failed batches in a row
    operations: list = field(default_factory=list)  # (operate/<kind>/<code>, status, body)

    @property
    def rate(self) -> float:
        """Delivered (2xx) events per second of posting."""
        return self.delivered / self.seconds if self.seconds else 0.0


def post_storm(
    storm: Storm,
    send: Sender,
    *,
    batch_size: int = 2000,
    concurrency: int = 4,
    window: float = 60.0,
    max_attempts: int = 8,
    progress: Callable[[str], None] = lambda message: None,
    progress_every: float = 10.0,
    abort_after: int = 20,
) -> PostResult:
    """Send the storm through `send` in arrival order, `concurrency` batches in flight (one:
    in the calling thread, as a test needs).

    429/503 answers and connection errors are retried (same batch, so the same natural keys)
    after `Retry-After` or a short backoff; other non-2xx answers are recorded as failures, and
    after `abort_after` failed batches in a row the rest of the storm is not sent.
    """
    import queue

    # Rendered before the clock starts: the rate measured is the server's, not the renderer's.
    planned = list(batches(storm, batch_size=batch_size, window=window))
    result = PostResult(started_at=time.perf_counter())
    lock = threading.Lock()
    failed_in_row = [0]
    work: queue.Queue = queue.Queue(maxsize=concurrency * 2)
    stop = object()

    def worker():
        while True:
            batch = work.get()
            if batch is stop:
                return
            for attempt in range(1, max_attempts + 1):
                began = time.perf_counter()
                try:
                    status, payload, headers = send(batch.provider, batch.body)
                except Exception as exc:  # connection reset, timeout: retry the same batch
                    status, payload, headers = 0, {"error": repr(exc)}, {}
                took = time.perf_counter() - began
                if status in (0, 429, 502, 503, 504) and attempt < max_attempts:
                    with lock:
                        result.retries += 1
                    wait = headers.get("Retry-After") or headers.get("retry-after")
                    time.sleep(
                        float(wait) if wait and str(wait).isdigit() else min(2**attempt, 30) * 0.25
                    )
                    continue
                break
            acked = time.perf_counter()
            if batch.provider.startswith("operate/"):
                with lock:
                    result.operations.append((batch.provider, status, payload))
                work.task_done()
                continue
            with lock:
                result.latencies.append(took)
                result.batches += 1
                result.events += batch.count
                if 200 <= status < 300:
                    failed_in_row[0] = 0
                    result.delivered += batch.count
                    result.accepted += int(payload.get("accepted", 0))
                    result.duplicates += int(payload.get("duplicates", 0))
                    for r in payload.get("rejected", []) or []:
                        result.rejected.append((batch.provider, r.get("index"), r.get("errors")))
                    for f in batch.faults:
                        result.fault_acked[f] = max(result.fault_acked.get(f, 0.0), acked)
                else:
                    result.failures.append((batch.provider, status, payload))
                    failed_in_row[0] += 1
                    if failed_in_row[0] >= abort_after:
                        result.aborted = True
            work.task_done()

    if concurrency <= 1:  # in the calling thread: its database connection, its transaction
        for batch in planned:
            if result.aborted:
                break
            work.put(batch)
            work.put(stop)
            worker()
        result.seconds = time.perf_counter() - result.started_at
        return result
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    last_report = result.started_at
    sent = 0
    for batch in planned:
        if result.aborted:
            break
        if batch.provider.startswith("operate/"):
            work.join()  # every earlier batch answered before the operation, the rest after it
            work.put(batch)
            work.join()
            continue
        work.put(batch)
        sent += batch.count
        now = time.perf_counter()
        if now - last_report >= progress_every:
            last_report = now
            rate = result.events / (now - result.started_at)
            progress(f"posted {result.events:,}/{len(storm.emissions):,} events ({rate:,.0f}/s)")
    for _ in threads:
        work.put(stop)
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - result.started_at
    return result
