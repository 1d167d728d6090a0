"""What bench/storm.py needs beside the storm: a fresh database, a Daphne to post to, and the side
measurements (query latency after a storm, history padding before it, the PL/pgSQL functions'
times for --profile-sql)."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


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
            raise SystemExit(
                f"refusing to drop database {name!r}: use a *bench* database or --keep-database"
            )
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


@contextlib.contextmanager
def served(args):
    """The server the storm is posted to: --url, or a Daphne of this checkout (stopped after)."""
    if args.url:
        wait_healthy(args.url)
        yield args.url, None
        return
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
        yield url, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log(f"daphne {server.pid} stopped")
