"""Storm benchmark: a big grid, a simulated storm through the real HTTP ingest, and its figures.

    python bench/storm.py --meters 1000000                 # 20 x 10 x 200 x 25, embedded PG
    python bench/storm.py --meters 20000 --url http://127.0.0.1:8000

Steps: generate the grid CSVs (oms.storm.generate_grid) -> migrate -> import_grid -> start
a Daphne (or use --url) -> create a token -> post the storm in batches -> print the sustained
events/s, the server's peak RSS, the quality table against the ground truth, and p50/p99 of the
main queries (meters of a feeder, active outages, one meter's history) through the API and SQL.

Without DATABASE_URL the embedded PostgreSQL lives under OMS_DATA_DIR, which this script sets to
/tmp/oms-bench unless you set it, so a benchmark never touches the development database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def shape_for(meters: int) -> tuple[int, int, int, int]:
    """(substations, feeders per substation, DPs per feeder, meters per DP) for about `meters`;
    a million gives 20 x 10 x 200 x 25."""
    substations = max(1, round(meters / 50_000))
    dps = max(2, round(meters / (substations * 10 * 25)))
    return substations, 10, dps, 25


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    host, port = url.split("//", 1)[1].split(":")
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, int(port.rstrip("/")), timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {url} did not answer /healthz within {timeout:.0f} s")


def proc_status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def time_queries(url: str | None, read_token: str, feeders, meters, samples: int) -> list[str]:
    """p50/p99 of the main queries through the API (when served) and as SQL."""
    from django.db import connection

    rng = random.Random(7)
    feeders = [rng.choice(feeders) for _ in range(samples)]
    meters = [rng.choice(meters) for _ in range(samples)]
    out = []

    def api(name, paths):
        if not url:
            return
        host, port = url.split("//", 1)[1].rstrip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {"Authorization": f"Token {read_token}"}
        took, statuses = [], set()
        for path in paths:
            began = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            took.append(time.perf_counter() - began)
            statuses.add(response.status)
        if statuses != {200}:
            out.append(f"  API {name:<32} n/a (HTTP {sorted(statuses)})")
        else:
            out.append(
                f"  API {name:<32} p50 {pct(took, 0.5) * 1000:7.1f} ms   "
                f"p99 {pct(took, 0.99) * 1000:7.1f} ms   ({len(took)} requests)"
            )

    def sql(name, statement, params):
        took = []
        try:
            with connection.cursor() as cursor:
                for p in params:
                    began = time.perf_counter()
                    cursor.execute(statement, p)
                    cursor.fetchall()
                    took.append(time.perf_counter() - began)
        except Exception as exc:
            out.append(f"  SQL {name:<32} n/a ({type(exc).__name__}: {str(exc).splitlines()[0]})")
            return
        out.append(
            f"  SQL {name:<32} p50 {pct(took, 0.5) * 1000:7.1f} ms   "
            f"p99 {pct(took, 0.99) * 1000:7.1f} ms   ({len(took)} queries)"
        )

    api("feeder meters (first page)", [f"/api/feeders/{f}/meters/" for f in feeders])
    api("active outages", ["/api/outages/?status=active"] * samples)
    api("meter history", [f"/api/meters/{m}/history/" for m in meters])
    sql(
        "get_meters_by_feeder(code)",
        "SELECT * FROM get_meters_by_feeder(%s)",
        [[f] for f in feeders],
    )
    sql("oms_active_outages", "SELECT * FROM oms_active_outages", [[]] * samples)
    sql(
        "meter history (newest 50)",
        """SELECT e.* FROM oms_meter_status_events e
           WHERE e.meter_id = (SELECT id FROM oms_meters WHERE meter_number = %s)
           ORDER BY e.event_timestamp DESC, e.id DESC LIMIT 50""",
        [[m] for m in meters],
    )
    return out


def pad_history(rows: int, start, chunk: int = 1_000_000) -> None:
    """Synthetic old status events, spread over the year before the storm and over the meters in
    turn, so history queries run against a table of a utility's size. Monthly partitions are
    made first when the schema is partitioned (oms_ensure_month_partitions)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), count(*) FROM oms_meters")
        first, meters = cursor.fetchone()
        cursor.execute("SELECT to_regproc('oms_ensure_month_partitions') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(
                "SELECT oms_ensure_month_partitions('oms_meter_status_events', "
                "(%s::timestamptz - interval '13 months')::date, 15)",
                [start],
            )
        for low in range(0, rows, chunk):
            high = min(rows, low + chunk)
            cursor.execute(
                """
                INSERT INTO oms_meter_status_events
                    (meter_id, event_type, previous_status, new_status, source_type,
                     source_event_id, event_timestamp, applied, metadata, created_at)
                SELECT %s + (g %% %s), 'bench_history', 'on', 'on', 'bench', 'hist-' || g,
                       %s::timestamptz - interval '1 hour' - make_interval(mins => g %% 525000),
                       true, '{}'::jsonb, now()
                FROM generate_series(%s, %s) g
                ON CONFLICT DO NOTHING
                """,
                [first, meters, start, low + 1, high],
            )
            log(f"  history: {high:,} of {rows:,} rows")


def print_function_times(top: int = 15) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.6)")  # statistics reach the view within 500 ms
        cursor.execute(
            """SELECT funcname, calls, round(total_time::numeric / 1000, 1),
                      round(self_time::numeric / 1000, 1)
               FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT %s""",
            [top],
        )
        rows = cursor.fetchall()
    print("PL/pgSQL functions by self time (s):")
    print(f"  {'function':<40} {'calls':>9} {'total':>9} {'self':>9}")
    for name, calls, total, own in rows:
        print(f"  {name:<40} {calls:>9,} {total:>9} {own:>9}")
    print()


def fresh_database() -> None:
    """Drop and recreate the benchmark database: a storm is only judged on a clean registry.
    Refuses a DATABASE_URL whose database name does not contain 'bench'."""
    import psycopg

    url = os.environ.get("DATABASE_URL")
    if url:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(f"refusing to drop database {name!r}: use a *bench* database or "
                             "--keep-database")  # fmt: skip
        admin = urlunsplit(parts._replace(path="/postgres"))
        connect = {"conninfo": admin}
    else:
        from oms.embedded import DATABASE_NAME, socket_dir

        name = DATABASE_NAME
        connect = {"host": socket_dir(), "user": "postgres", "dbname": "postgres"}
    with psycopg.connect(**connect, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"database {name!r} recreated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=1_000_000)
    parser.add_argument("--shape", help="S,F,D,M: substations, feeders each, DPs each, meters each")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default="/tmp/oms-storm", help="where grids are written")
    parser.add_argument("--url", help="use this running server instead of starting a Daphne")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--skip-import", action="store_true", help="the grid is already loaded")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--window", type=float, default=60.0, help="storm seconds per batch round")
    parser.add_argument("--feeder-faults", type=int)
    parser.add_argument("--dp-faults", type=int)
    parser.add_argument("--dp-blips", type=int)
    parser.add_argument("--feeder-blips", type=int)
    parser.add_argument("--nested-dps", type=int)
    parser.add_argument("--nested-meters", type=int)
    parser.add_argument("--last-gasp-share", type=float, default=0.8)
    parser.add_argument("--late-share", type=float, default=0.1)
    parser.add_argument("--call-share", type=float, default=0.1)
    parser.add_argument("--max-repeats", type=int, default=6)
    parser.add_argument("--query-samples", type=int, default=100)
    parser.add_argument(
        "--history-rows", type=int, default=0, help="history rows written before the storm"
    )
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument(
        "--profile-sql",
        action="store_true",
        help="track PL/pgSQL function times (track_functions) and print the costliest",
    )
    parser.add_argument(
        "--reset-events",
        action="store_true",
        help="with --skip-import: clear the events and outages of an earlier run first",
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="do not drop and recreate the benchmark database (default: start from empty)",
    )
    args = parser.parse_args()
    # SIGTERM exits like Ctrl-C: the Daphne it started and the embedded database stop too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("OMS_DATA_DIR", "/tmp/oms-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    if not args.keep_database:
        if args.skip_import:
            raise SystemExit("--skip-import needs --keep-database")
        fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from oms import storm as sim
    from oms.tokens import issue_token
    from topology.grid import import_grid

    shape = tuple(int(x) for x in args.shape.split(",")) if args.shape else shape_for(args.meters)
    s, f, d, m = shape
    grid_dir = Path(args.workdir) / f"grid-{s}x{f}x{d}x{m}-seed{args.seed}"
    where = os.environ.get("DATABASE_URL") or f"embedded PostgreSQL in {os.environ['OMS_DATA_DIR']}"
    log(f"grid {s} x {f} x {d} x {m} = {s * f * d * m:,} meters; database: {where}")

    if not (grid_dir / "meters.csv").exists():
        summary = sim.generate_grid(grid_dir, s, f, d, m, seed=args.seed)
        log(
            f"grid CSVs written in {summary.seconds:.1f} s: {summary.meters:,} meters, "
            f"{summary.customers:,} customers, {summary.onus:,} ONUs, {summary.meter_types}"
        )
    else:
        log(f"grid CSVs already in {grid_dir}")

    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - began:.1f} s")
    if not args.skip_import:
        began = time.perf_counter()
        report = import_grid(grid_dir, progress=lambda msg: log(f"  import: {msg}"))
        log(f"import_grid in {time.perf_counter() - began:.1f} s, {len(report.errors)} errors")
        for error in report.errors[:10]:
            log(f"  {error}")

    if args.reset_events:
        sim.reset_event_state()
        log("events and outages of earlier runs cleared")
    if args.profile_sql:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" '
                           "SET track_functions = 'pl'")  # fmt: skip
            cursor.execute("SELECT pg_stat_reset()")

    feeders_total = s * f
    grid = sim.GridView.from_csv(grid_dir)
    began = time.perf_counter()

    def given(value, fallback):
        return fallback if value is None else value

    storm = sim.build_storm(
        grid,
        args.seed,
        feeder_faults=given(args.feeder_faults, max(1, feeders_total // 10)),
        dp_faults=given(args.dp_faults, max(1, feeders_total // 10)),
        dp_blips=given(args.dp_blips, max(1, feeders_total // 40)),
        feeder_blips=given(args.feeder_blips, feeders_total // 100),
        nested_dps=given(args.nested_dps, max(1, feeders_total // 40)),
        nested_meters=given(args.nested_meters, max(2, feeders_total // 20)),
        last_gasp_share=args.last_gasp_share,
        late_share=args.late_share,
        call_share=args.call_share,
        max_repeats=args.max_repeats,
    )
    affected = len(storm.expected_state) + len(storm.unobservable)
    log(
        f"storm built in {time.perf_counter() - began:.1f} s: {len(storm.faults)} faults, "
        f"{affected:,} meters affected, {storm.counts()}"
    )

    if args.history_rows:
        # The utility's past year is there before the storm: ingest and queries both see it.
        began = time.perf_counter()
        pad_history(args.history_rows, storm.start)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE oms_meter_status_events")
        log(f"history padded with {args.history_rows:,} rows in "
            f"{time.perf_counter() - began:.1f} s")  # fmt: skip

    # The grid's import and the history are not the storm's: their checkpoint is settled first,
    # so the storm is not measured while the server writes out gigabytes of earlier work.
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")

    scopes = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center", "read"]
    key = issue_token(f"storm-bench-{os.getpid()}", scopes)
    server = None
    url = args.url
    if not url:
        port = args.port or free_port()
        url = f"http://127.0.0.1:{port}"
        daphne = Path(sys.executable).with_name("daphne")
        server = subprocess.Popen(
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "oms.asgi:application"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=open(Path(args.workdir) / "daphne.log", "w"),  # noqa: SIM115
        )
        log(f"daphne pid {server.pid} on {url} (log {Path(args.workdir) / 'daphne.log'})")
    try:
        wait_healthy(url)
        connection.close()
        watcher = sim.OutageWatcher(interval=1.0).start()
        log(
            f"posting {len(storm.emissions):,} events, batches of {args.batch_size}, "
            f"{args.concurrency} in flight"
        )
        post = sim.post_storm(
            storm,
            sim.http_sender(url, key),
            batch_size=args.batch_size,
            concurrency=args.concurrency,
            window=args.window,
            progress=log,
        )
        time.sleep(2.5)  # one more poll of the outage table
        watcher.stop()
        status = proc_status(server.pid) if server else {}
        log(f"posted in {post.seconds:.1f} s: {post.delivered:,} of {post.events:,} events "
            f"delivered = {post.rate:,.0f} events/s sustained")  # fmt: skip
        if post.failures:
            log(f"{len(post.failures)} batches failed (see the server log); the figures below "
                "are not a benchmark")  # fmt: skip
        if status:
            log(
                f"server peak RSS (VmHWM) {status.get('VmHWM', '?').strip()}, "
                f"now {status.get('VmRSS', '?').strip()}"
            )
        for provider, code, body in post.failures[:5]:
            log(f"  failed batch {provider}: HTTP {code} {json.dumps(body)[:300]}")
        for provider, index, errors in post.rejected[:5]:
            log(f"  rejected {provider}[{index}]: {json.dumps(errors)[:300]}")

        with connection.cursor() as cursor:
            quality = sim.evaluate(storm, cursor, post=post, watcher=watcher)
        print()
        print(sim.format_report(storm, quality, post))
        if status:
            print(f"server peak RSS (VmHWM): {status.get('VmHWM', '?').strip()}")
        print()

        if args.profile_sql:
            print_function_times()
        if not args.no_queries:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT count(*) FROM oms_meter_status_events")
                (history,) = cursor.fetchone()
            print(f"query latency ({s * f * d * m:,} meters, {history:,} history rows):")
            touched = sorted(storm.expected_state)
            for line in time_queries(url, key, sorted(grid.feeders), touched, args.query_samples):
                print(line)
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log(f"daphne {server.pid} stopped")
    print(f"\nreproduce: python bench/storm.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
