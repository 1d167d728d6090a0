"""AMI last-gasp ingest through HTTP beside the floor of COPYing the same raw rows, and the
latency of single SCADA posts.

    python bench/ingest_bench.py [--meters 100000] [--batch 1000] [--concurrency 1 2]

Steps: generate a grid of about --meters meters (oms.storm.generate_grid) and import it with
`manage.py import_grid` (skipped when already loaded) -> start a Daphne on a free port -> for
each concurrency: reset the event state, post one KAIFA last gasp (flattened JSON) per KAIFA
meter in batches of --batch to /api/ingest/kaifa/batch/ -> COPY the same raw rows, batch by
batch, into a copy of kaifa_events (its indexes included) -> post --scada-posts single SCADA
events (loss of voltage / restoration of whole feeders, then unknown devices) one at a time.

Without DATABASE_URL the embedded PostgreSQL lives under OMS_DATA_DIR, which this script sets to
/tmp/oms-ingest-bench unless you set it; the reset between runs truncates the event and outage
tables of that database only. Speed is printed, never asserted.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KAIFA_TEMPLATE = json.loads((ROOT / "tests/fixtures/providers/kaifa_power_outage.json").read_text())
RAW_COLUMNS = (
    "source_event_id",
    "event_timestamp",
    "evidence",
    "processing_status",
    "raw_payload",
    "message_id",
    "event_mrid",
    "event_type_ref",
    "asset_mrid",
    "usage_point_mrid",
    "severity",
    "reason",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/schema/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("daphne did not start")


def last_gasps(meters: list[tuple[str, str, str]], run: str, start: datetime) -> list[dict]:
    """One KAIFA PowerOutage per meter (asset mRID, usage point), spread over a minute."""
    events = []
    step = 60.0 / max(1, len(meters))
    for n, (number, asset, usage_point) in enumerate(meters):
        event = copy.deepcopy(KAIFA_TEMPLATE)
        created = (start + timedelta(seconds=n * step)).isoformat().replace("+00:00", "Z")
        event["header"]["message_id"] = f"msg_{run}_{n}"
        event["payload"]["event_id"] = f"evt_{run}_{n}"
        event["payload"]["created_date_time"] = created
        event["payload"]["assets"]["ns2:mRID"] = asset or number
        event["payload"]["assets"]["ns2:Names"]["ns2:name"] = f"Meter {number}"
        event["payload"]["usage_point"]["ns2:mRID"] = usage_point
        events.append(event)
    return events


def post_batches(port: int, key: str, bodies: list[bytes], concurrency: int) -> tuple[float, list]:
    """POST every body to the KAIFA batch endpoint, `concurrency` keep-alive connections."""
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    answers: list = [None] * len(bodies)

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    return
                index, body = queue.pop(0)
            conn.request("POST", "/api/ingest/kaifa/batch/", body, headers)
            response = conn.getresponse()
            answers[index] = (response.status, json.loads(response.read()))

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, answers


def copy_floor(events: list[dict], batch: int) -> float:
    """COPY the same raw rows, batch by batch (a commit each), into a copy of kaifa_events."""
    from django.db import connection, transaction

    rows = []
    for event in events:
        payload = event["payload"]
        rows.append(
            (
                f"{event['header']['message_id']}/{payload['event_id']}",
                payload["created_date_time"],
                "off",
                "processed",
                json.dumps(event),
                event["header"]["message_id"],
                payload["event_id"],
                payload["event_type"]["@ref"],
                payload["assets"]["ns2:mRID"],
                payload["usage_point"]["ns2:mRID"],
                payload["severity"],
                payload["reason"],
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_kaifa_copy")
        cursor.execute("CREATE UNLOGGED TABLE bench_kaifa_copy (LIKE kaifa_events INCLUDING ALL)")
    columns = ", ".join(RAW_COLUMNS)
    began = time.perf_counter()
    for start in range(0, len(rows), batch):
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy(f"COPY bench_kaifa_copy ({columns}) FROM STDIN") as copy_in,
        ):
            for row in rows[start : start + batch]:
                copy_in.write_row(row)
    seconds = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_kaifa_copy")
    return seconds


def scada_latencies(port: int, key: str, feeders: list[tuple[str, str]], posts: int):
    """Single SCADA posts, one at a time: (ms for whole-feeder events, ms for unknown devices)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
    start = datetime(2025, 10, 2, tzinfo=UTC)

    def post(event: dict) -> float:
        began = time.perf_counter()
        conn.request("POST", "/api/ingest/scada/", json.dumps(event), headers)
        response = conn.getresponse()
        body = response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"SCADA post answered {response.status}: {body[:300]!r}")
        return (time.perf_counter() - began) * 1000

    device, unknown = [], []
    for n in range(posts):
        substation, feeder = feeders[(n // 2) % len(feeders)]
        loss = n % 2 == 0
        event = {
            "eventType": "MV_AlarmLossOfVoltage" if loss else "MV_AlarmRestoration",
            "alarmType": "De-energized" if loss else "Energized",
            "substationId": substation,
            "feederId": feeder,
            "timestamp": (start + timedelta(seconds=n)).isoformat(),
            "voltage": 0 if loss else 11000,
            "severity": "High",
        }
        device.append(post(event))
        unknown.append(post({**event, "substationId": f"UNKNOWN-{n}", "feederId": f"F-UNK-{n}"}))
    return device, unknown


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scada-posts", type=int, default=100)
    parser.add_argument("--workdir", default="/tmp/oms-ingest-bench-grids")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("OMS_DATA_DIR", "/tmp/oms-ingest-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oms import storm as sim
    from oms.tokens import issue_token

    substations = max(1, round(args.meters / 50_000))
    dps = max(2, round(args.meters / (substations * 10 * 25)))
    grid_dir = Path(args.workdir) / f"grid-{substations}x10x{dps}x25"
    if not (grid_dir / "meters.csv").exists():
        sim.generate_grid(grid_dir, substations, 10, dps, 25, seed=1)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM oms_meters")
        (loaded,) = cursor.fetchone()
    if loaded < substations * 10 * dps * 25:
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "import_grid", str(grid_dir)], cwd=ROOT, check=True
        )
        log(f"import_grid {grid_dir} in {time.perf_counter() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM oms_meters")
        (meter_count,) = cursor.fetchone()
        cursor.execute(
            "SELECT meter_number, asset_mrid, usage_point_mrid FROM oms_meters"
            " WHERE asset_mrid IS NOT NULL ORDER BY dp_id, id"
        )
        kaifa_meters = cursor.fetchall()
        cursor.execute(
            "SELECT s.substation_id, f.feeder_id, count(m.id) FROM network_feeders f"
            " JOIN network_substations s ON s.id = f.substation_id"
            " JOIN oms_meters m ON m.feeder_id = f.id GROUP BY 1, 2 ORDER BY 2"
        )
        feeder_rows = cursor.fetchall()
    log(f"{meter_count:,} meters, {len(kaifa_meters):,} KAIFA meters, {len(feeder_rows)} feeders")

    key = issue_token(f"ingest-bench-{os.getpid()}", ["ingest:kaifa", "ingest:scada"])
    port = free_port()
    connection.close()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("daphne")), "-b", "127.0.0.1", "-p", str(port),
         "oms.asgi:application"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=open(Path(args.workdir) / "daphne.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    results = []
    try:
        wait_until_serving(port)
        log(f"daphne pid {server.pid} on port {port}")
        for concurrency in args.concurrency:
            sim.reset_event_state()
            run = f"{os.getpid()}c{concurrency}"
            events = last_gasps(kaifa_meters, run, datetime(2025, 10, 1, 6, tzinfo=UTC))
            bodies = [
                json.dumps({"events": events[i : i + args.batch]}).encode()
                for i in range(0, len(events), args.batch)
            ]
            seconds, answers = post_batches(port, key, bodies, concurrency)
            failed = [a for a in answers if a[0] != 200]
            accepted = sum(a[1]["accepted"] for a in answers if a[0] == 200)
            rejected = sum(len(a[1]["rejected"]) for a in answers if a[0] == 200)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM oms_meters WHERE power_status = 'off'")
                (off,) = cursor.fetchone()
                cursor.execute(
                    "SELECT scope, count(*) FROM oms_outage_events GROUP BY 1 ORDER BY 1"
                )
                outages = dict(cursor.fetchall())
            floor = copy_floor(events, args.batch)
            log(
                f"concurrency {concurrency}: {accepted:,} accepted, {rejected} rejected,"
                f" {len(failed)} failed batches, {off:,} meters off, outages {outages}"
            )
            results.append((concurrency, len(events), seconds, floor, accepted, off, outages))
        # The same traffic for meters the registry does not know: the ingest path without the
        # engine (parse, validate, look up, store as unmatched).
        sim.reset_event_state()
        strangers = [(f"X{n}", f"X{asset}", f"X{point}") for n, asset, point in kaifa_meters]
        events = last_gasps(strangers, f"{os.getpid()}u", datetime(2025, 10, 1, 6, tzinfo=UTC))
        bodies = [
            json.dumps({"events": events[i : i + args.batch]}).encode()
            for i in range(0, len(events), args.batch)
        ]
        unmatched_seconds, answers = post_batches(port, key, bodies, 1)
        unmatched = sum(a[1]["statuses"]["unmatched"] for a in answers if a[0] == 200)
        log(f"unknown meters: {unmatched:,} stored unmatched in {unmatched_seconds:.2f} s")
        sim.reset_event_state()
        feeders = [(s, f) for s, f, _ in feeder_rows]
        per_feeder = round(statistics.mean(n for _, _, n in feeder_rows))
        device_ms, unknown_ms = scada_latencies(port, key, feeders, args.scada_posts)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log(f"daphne {server.pid} stopped")

    print()
    print(f"AMI last-gasp ingest: {meter_count:,}-meter grid, one KAIFA PowerOutage per KAIFA")
    print(f"meter, flattened JSON, batches of {args.batch:,} to /api/ingest/kaifa/batch/ (Daphne)")
    print()
    print(f"{'path':<44}{'events':>9}{'seconds':>10}{'events/s':>11}{'x floor':>9}")
    for concurrency, count, seconds, floor, _, _, _ in results:
        print(
            f"{f'HTTP batch → engine, {concurrency} in flight':<44}{count:>9,}{seconds:>10.2f}"
            f"{count / seconds:>11,.0f}{seconds / floor:>9.1f}"
        )
        print(
            f"{'  COPY same raw rows (floor, commit/batch)':<44}{count:>9,}{floor:>10.2f}"
            f"{count / floor:>11,.0f}{'1.0':>9}"
        )
    count = len(kaifa_meters)
    print(
        f"{'HTTP batch, unknown meters (no engine), 1':<44}{count:>9,}{unmatched_seconds:>10.2f}"
        f"{count / unmatched_seconds:>11,.0f}{unmatched_seconds / results[0][3]:>9.1f}"
    )
    print()
    print(f"single SCADA posts, one at a time ({args.scada_posts} each):")
    print(f"{'event':<52}{'p50 ms':>9}{'p99 ms':>9}")
    print(
        f"{f'loss of voltage / restoration of a feeder (~{per_feeder:,} meters)':<52}"
        f"{percentile(device_ms, 0.5):>9.1f}{percentile(device_ms, 0.99):>9.1f}"
    )
    print(
        f"{'unknown device (validated, stored, unmatched)':<52}"
        f"{percentile(unknown_ms, 0.5):>9.1f}{percentile(unknown_ms, 0.99):>9.1f}"
    )
    print(f"\nreproduce: python bench/ingest_bench.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
