"""Push latency: commit → websocket receipt, with many dashboards connected.

    python bench/push_latency.py                          # 100 clients, 20 events/s, 30 s
    python bench/push_latency.py --door sql               # commits by a direct SQL call
    python bench/push_latency.py --redis --processes 2    # two Daphnes on the Redis layer

Steps: an embedded PostgreSQL under OMS_DATA_DIR (default /tmp/oms-bench-push; or DATABASE_URL
with 'bench' in its name) → migrate → a generated grid (20 feeders) → tokens → Daphne
process(es) → N websocket clients (spread over the processes) wait for their snapshot → events
at a steady rate: SCADA trips and restorations of the feeders in turn, each making one outage
change → every client timestamps every push.

Doors:
- `http` (default): POST /api/ingest/scada/. The commit happens between sending the request and
  getting the answer, so "from answer" is a lower bound of commit → receipt and "from send" an
  upper bound.
- `sql`: `SELECT insert_scada_event_with_meter_check(...)` in autocommit, as a legacy SQL caller
  would; the clock starts when the commit has returned, so the figure is commit → receipt.

Everything runs on this machine (clients, server, PostgreSQL, Redis share the cores).

Measured here on 2026-11-26, 100 clients, 30 s, 20 events/s, relay window 50 ms, quiet 2 vCPU:

    command                  p50      p99      delivered
    --door http              33 ms    63 ms    100 %, 0 dup, 0 gap  (answer → receipt;
                                                send → receipt p50 48 ms, p99 86 ms)
    --door sql               37 ms    75 ms    100 %, 0 dup, 0 gap

Earlier the same day, on the same machine shared with other people's runs (load 1.2-2.2), the
sql door gave p99 172-382 ms and two Daphnes on Redis p99 228 ms.

Under heavy contention (load average 6-8) the same single process reached p99 of seconds: a push
costs about a websocket frame per screen, and one Daphne process delivered ~1,000-1,500 frames/s
here before queueing. More screens or faster storms want more Daphne processes on the Redis
layer (one relay is elected for all of them).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# 5 substations x 4 feeders x 4 DPs x 25 meters = 2,000 meters on 20 feeders.
GRID = {"substations": 5, "feeders_per_substation": 4, "dps_per_feeder": 4, "meters_per_dp": 25}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--door", choices=["http", "sql"], default="http")
    parser.add_argument("--processes", type=int, default=1, help="Daphne processes")
    parser.add_argument("--redis", action="store_true", help="REDIS_URL=redis://127.0.0.1:6379/0")
    parser.add_argument("--window-ms", type=float, default=None, help="relay coalescing window")
    return parser.parse_args()


# ----------------------------------------------------------------------------- setup


def prepare_database() -> tuple[list[tuple[str, str]], str, str]:
    """Migrate, load the grid once, issue tokens; return (substation, feeder) pairs and keys."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("refusing a DATABASE_URL whose database name does not contain 'bench'")
    if not url:
        os.environ.setdefault("OMS_DATA_DIR", "/tmp/oms-bench-push")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from meters.models import Meter
    from oms.storm import generate_grid
    from oms.tokens import issue_token
    from topology.grid import import_grid
    from topology.models import Feeder

    call_command("migrate", interactive=False, verbosity=0)
    if not Meter.objects.exists():
        with tempfile.TemporaryDirectory() as folder:
            generate_grid(folder, seed=3, **GRID)
            import_grid(folder)
    feeders = list(
        Feeder.objects.order_by("feeder_id").values_list("substation__substation_id", "feeder_id")
    )
    read_key = issue_token("bench-push-read", ["read"])
    ingest_key = issue_token("bench-push-scada", ["ingest:scada"])
    connection.close()
    return feeders, read_key, ingest_key


def clear_outages(feeders) -> None:
    """Restore every feeder (a previous run may have left outages standing)."""
    from ingest.sqlfuncs import insert_scada_event_with_meter_check

    stamp = datetime.now(UTC).isoformat()
    for substation, feeder in feeders:
        insert_scada_event_with_meter_check(scada(substation, feeder, False, stamp))


def scada(substation: str, feeder: str, trip: bool, stamp: str) -> dict:
    return {
        "eventType": "MV_AlarmLossOfVoltage" if trip else "MV_AlarmRestoration",
        "alarmType": "De-energized" if trip else "Energized",
        "substationId": substation,
        "feederId": feeder,
        "timestamp": stamp,
    }


def start_servers(
    count: int, redis: bool, window_ms: float | None
) -> list[tuple[subprocess.Popen, int]]:
    from tests.live.servers import free_port

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings", "DB_POOL_MAX": "8"}
    if redis:
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["REDIS_PREFIX"] = f"bench-push-{os.getpid()}"
    if window_ms is not None:
        env["OMS_PUSH_WINDOW_MS"] = str(window_ms)
    servers = []
    for index in range(count):
        port = free_port()
        log_file = open(Path(tempfile.gettempdir()) / f"bench-push-daphne-{index}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "oms.asgi:application"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        servers.append((process, port))
    for process, port in servers:
        wait_healthy(port, process)
    return servers


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(
                f"daphne on {port} exited; see {tempfile.gettempdir()}/bench-push-daphne-*.log"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"daphne on {port} not healthy after {timeout}s")


# ----------------------------------------------------------------------------- load


class Ledger:
    """When each change was committed (by the poster) and received (by each client)."""

    def __init__(self):
        self.sent: dict[tuple, float] = {}  # (feeder, kind, cycle) -> request sent
        self.committed: dict[tuple, float] = {}  # -> commit returned / answer received
        self.received: list[tuple[tuple, float]] = []
        self.duplicates = 0
        self.gaps = 0
        self.lock = threading.Lock()


async def client(
    index: int, url: str, ledger: Ledger, ready: asyncio.Event, stop: asyncio.Event, counter
):
    from websockets.asyncio.client import connect

    seen_kind: dict[tuple, int] = defaultdict(int)
    seen_ids: set[tuple] = set()
    seq = None
    async with connect(url, max_size=None, open_timeout=60) as socket:
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == "snapshot" and message["seq"] is not None:
                seq = message["seq"]
                break
        counter.append(index)
        if len(counter) == counter_target[0]:
            ready.set()
        while True:  # until run() cancels this task
            raw = await socket.recv()
            now = time.perf_counter()
            # The relay encodes keys in a fixed order: read the head, not the whole message,
            # so the measuring side spends little CPU on a box it shares with the server.
            head = PUSH_HEAD.match(raw)
            if head is None:
                message = json.loads(raw)
                if message["type"] == "snapshot":
                    seq = message["seq"]
                continue
            kind, number, event_id, feeder = head.groups()
            number = int(number)
            if seq is not None and number != seq + 1:
                ledger.gaps += 1
            seq = number
            short = kind.split(".", 1)[1]
            if (event_id, short) in seen_ids:
                ledger.duplicates += 1
                continue
            seen_ids.add((event_id, short))
            base = (feeder, short)
            ledger.received.append(((*base, seen_kind[base]), now))
            seen_kind[base] += 1


PUSH_HEAD = re.compile(
    r'\{"type": "(outage\.[a-z]+)", "seq": (\d+), "outage": \{"event_id": "([^"]+)".*?'
    r'"feeder": "([^"]*)"'
)
counter_target = [0]


def poster(
    args, ports, feeders, ingest_key, ledger: Ledger, start_at: float, stop: threading.Event
):
    """Steady events: trip every feeder in turn, then restore them in turn, and so on."""
    total = int(args.rate * args.seconds)
    interval = 1.0 / args.rate
    if args.door == "sql":
        import psycopg

        from outages.relay import database_conninfo

        conn = psycopg.connect(database_conninfo(), autocommit=True)
    else:
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
    headers = {"Authorization": f"Token {ingest_key}", "Content-Type": "application/json"}
    for i in range(total):
        if stop.is_set():
            break
        due = start_at + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        substation, feeder = feeders[i % len(feeders)]
        round_ = i // len(feeders)
        trip = round_ % 2 == 0
        key = (feeder, "created" if trip else "restored", round_ // 2)
        stamp = datetime.now(UTC).isoformat()  # event time = now: never late, never ahead
        event = scada(substation, feeder, trip, stamp)
        sent = time.perf_counter()
        if args.door == "sql":
            conn.execute(
                "SELECT insert_scada_event_with_meter_check(%s::jsonb)", [json.dumps(event)]
            )
        else:
            c = conns[i % len(conns)]
            c.request("POST", "/api/ingest/scada/", json.dumps(event), headers)
            response = c.getresponse()
            response.read()
            if response.status not in (200, 201):
                log(f"ingest answered {response.status}")
        done = time.perf_counter()
        with ledger.lock:
            ledger.sent[key] = sent
            ledger.committed[key] = done


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(args, ports, feeders, read_key, ingest_key) -> None:
    ledger = Ledger()
    ready, stop = asyncio.Event(), asyncio.Event()
    counter: list[int] = []
    counter_target[0] = args.clients
    urls = [f"ws://127.0.0.1:{port}/ws/outages/?token={read_key}" for port in ports]
    log(f"connecting {args.clients} websocket clients …")
    tasks = []
    for i in range(args.clients):
        tasks.append(
            asyncio.create_task(client(i, urls[i % len(urls)], ledger, ready, stop, counter))
        )
        if i % 20 == 19:
            await asyncio.sleep(0.2)  # screens come up over a moment, not in one SYN burst
    await asyncio.wait_for(ready.wait(), 120)
    log(f"{args.clients} clients have their snapshot; {args.rate:g} events/s "
        f"for {args.seconds:g} s via {args.door}")  # fmt: skip
    halt = threading.Event()
    start_at = time.perf_counter() + 0.5
    thread = threading.Thread(
        target=poster, args=(args, ports, feeders, ingest_key, ledger, start_at, halt), daemon=True
    )
    thread.start()
    await asyncio.to_thread(thread.join)
    await asyncio.sleep(3)  # let the last pushes arrive
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    report(args, ledger)


def report(args, ledger: Ledger) -> None:
    from_commit, from_send = [], []
    for key, received in ledger.received:
        if key in ledger.committed:
            from_commit.append((received - ledger.committed[key]) * 1000)
            from_send.append((received - ledger.sent[key]) * 1000)
    expected = len(ledger.committed) * args.clients
    span = (max(ledger.committed.values()) - min(ledger.sent.values())) if ledger.sent else 0.0
    achieved = len(ledger.committed) / span if span else 0.0
    label = "commit → receipt" if args.door == "sql" else "answer → receipt (≤ commit → receipt)"

    def line(name, values):
        if not values:
            return f"  {name}: no samples"
        p50, p90, p99 = (percentile(values, q) for q in (0.5, 0.9, 0.99))
        return (
            f"  {name}: p50 {p50:.1f} ms  p90 {p90:.1f} ms  p99 {p99:.1f} ms  "
            f"max {max(values):.1f} ms  mean {statistics.fmean(values):.1f} ms"
        )

    print()
    print(f"push latency, {args.clients} clients, {args.rate:g} events/s x {args.seconds:g} s, "
          f"door {args.door}, {args.processes} Daphne process(es), layer "
          f"{'redis pub/sub' if args.redis else 'in-memory'}")  # fmt: skip
    print(f"  changes committed: {len(ledger.committed)} ({achieved:.1f}/s achieved); "
          f"pushes expected {expected}, "
          f"received {len(from_commit)} ({100 * len(from_commit) / max(1, expected):.2f}%), "
          f"duplicates {ledger.duplicates}, seq gaps {ledger.gaps}")  # fmt: skip
    print(line(label, from_commit))
    if args.door == "http":
        print(line("send → receipt (≥ commit → receipt)", from_send))


def main() -> None:
    args = parse_args()
    if args.processes > 1 and not args.redis:
        sys.exit("several processes need --redis (the in-memory layer is per process)")
    feeders, read_key, ingest_key = prepare_database()
    clear_outages(feeders)
    from django.db import connection

    connection.close()
    servers = start_servers(args.processes, args.redis, args.window_ms)
    log(f"daphne on ports {[port for _, port in servers]}")
    try:
        asyncio.run(run(args, [port for _, port in servers], feeders, read_key, ingest_key))
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
