"""`oms demo`: a working control room on one machine, from nothing.

Starts the embedded PostgreSQL (settings does that when DATABASE_URL is unset), migrates, loads a
demo grid of a few thousand meters (oms/storm/grid.py), creates an operator login and
prints it, serves Daphne on http://127.0.0.1:8000/ and plays storms in real time through the
real ingest endpoints: SCADA trips and last gasps first, then restorations, one storm after
another, so the dashboard moves within seconds of starting.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import queue
import signal
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

from oms.demo_start import OPERATOR, exit_if_port_taken, operator_login, restore_leftovers

logger = logging.getLogger("oms.demo")

FEED_TOKEN = "demo-feeds"
FEED_SCOPES = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center"]
# 4 substations, 3 feeders each, 6 DPs per feeder, 40 meters per DP: 2,880 meters.
DEMO_GRID = {
    "substations": 4,
    "feeders_per_substation": 3,
    "dps_per_feeder": 6,
    "meters_per_dp": 40,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="oms demo",
        description=__doc__.splitlines()[0],
        epilog="Data (the embedded PostgreSQL and the operator's password) is kept under "
        "OMS_DATA_DIR (default ./.oms-data); Ctrl-C or SIGTERM stops the demo and its database.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1; 0.0.0.0 serves every interface)",
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="TCP port to serve on (default 8000)"
    )
    parser.add_argument(
        "--reset-password",
        action="store_true",
        help="give the operator a new password (logs out its open sessions); otherwise the "
        "password of the last start is kept",
    )
    parser.add_argument(
        "--storm-minutes", type=float, default=4.0, help="longest outage of a storm (minutes)"
    )
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between storms")
    parser.add_argument("--no-storm", action="store_true", help="serve only, feed nothing")
    parser.add_argument("--seed", type=int, default=None, help="first storm's seed")
    return parser.parse_args(argv)


def prepare_database() -> None:
    from django.core.management import call_command

    print("· migrating the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)


def load_demo_grid() -> None:
    from meters.models import Meter

    if Meter.objects.exists():
        print(f"· grid already loaded ({Meter.objects.count():,} meters)", flush=True)
        return
    from oms.storm import generate_grid
    from topology.grid import import_grid

    with tempfile.TemporaryDirectory(prefix="oms-demo-grid-") as folder:
        summary = generate_grid(folder, seed=7, **DEMO_GRID)
        report = import_grid(folder)
    # The demo's network starts energized (a real one learns it from meter reads).
    Meter.objects.filter(power_status="unknown").update(
        power_status="on", communication_status="online"
    )
    if getattr(report, "errors", None):
        print(f"! grid import reported {len(report.errors)} problem(s)", flush=True)
    print(
        f"· demo grid: {summary.substations} substations, {summary.feeders} feeders, "
        f"{summary.dps} distribution points, {summary.meters:,} meters",
        flush=True,
    )


def create_logins(reset_password: bool = False) -> tuple[str, str]:
    """The operator's password (kept across starts unless reset) and the feeds' token."""
    from oms.tokens import issue_token

    return operator_login(reset_password), issue_token(FEED_TOKEN, FEED_SCOPES)


class StormPlayer(threading.Thread):
    """Plays storms in real time by POSTing each message to /api/ingest/<provider>/.

    One sender per provider keeps each feed's own order (as a real feed would) while a slow
    answer from one feed does not hold the others back.
    """

    def __init__(self, base: str, token: str, *, minutes: float, pause: float, seed: int):
        super().__init__(name="oms-demo-storms", daemon=True)
        self.host, port = base.rsplit("//", 1)[1].split(":")
        self.port = int(port)
        self.token = token
        self.minutes = minutes
        self.pause = pause
        self.seed = seed
        self.local = threading.local()
        self.queues: dict[str, queue.Queue] = {}
        self.failed = 0

    def post(self, provider: str, payload: dict) -> int:
        body = json.dumps(payload).encode()
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        for _ in range(3):
            connection = getattr(self.local, "connection", None)
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                    self.local.connection = connection
                connection.request("POST", f"/api/ingest/{provider}/", body, headers)
                response = connection.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                time.sleep(0.5)
        return 0

    def sender(self, provider: str) -> queue.Queue:
        """The queue of one feed's sender thread (started on first use)."""
        if provider not in self.queues:
            pending: queue.Queue = queue.Queue()

            def drain():
                while True:
                    payload = pending.get()
                    if self.post(provider, payload) not in (200, 201):
                        self.failed += 1
                    pending.task_done()

            threading.Thread(target=drain, name=f"oms-demo-{provider}", daemon=True).start()
            self.queues[provider] = pending
        return self.queues[provider]

    def build(self, seed: int):
        from oms.storm import GridView, build_storm

        grid = GridView.from_db()
        options = dict(
            feeder_faults=2,
            dp_faults=3,
            dp_blips=1,
            feeder_blips=1,
            nested_dps=1,
            nested_meters=2,
            late_share=0.0,
            call_share=0.15,
            storm_minutes=20.0,
            # Sustained faults last 30 to 180 storm minutes: scaled so the longest lasts about
            # `minutes`, and most are restored well before.
            time_scale=self.minutes / 180.0,
        )
        now = datetime.now(UTC)
        probe = build_storm(grid, seed, start=now, **options)
        lead = probe.emissions[0].arrival if probe.emissions else 0.0
        # Start the storm's clock `lead` seconds ago: its first message is due now, and no
        # event time is ever ahead of the wall clock when its message is sent.
        return build_storm(grid, seed, start=now - timedelta(seconds=lead), **options)

    def run(self) -> None:
        from django.db import connection

        seed = self.seed
        while True:
            try:
                storm = self.build(seed)
            except Exception as exc:
                print(f"! could not build a storm: {exc}", flush=True)
                return
            finally:
                connection.close()
            counts = storm.counts()
            print(
                f"· storm {seed}: {len(storm.faults)} faults, {counts['total']:,} messages "
                f"over ~{self.minutes:g} min",
                flush=True,
            )
            origin = storm.start.timestamp()
            # The storm's long tail (retransmissions minutes later) is skipped: the next storm
            # starts once the last restoration has been heard.
            ends = [fault.end for fault in storm.faults if fault.end is not None]
            cutoff = max(ends, default=0.0) + 90.0
            sent, self.failed = 0, 0
            for arrival, provider, payload in storm.timeline():
                if arrival > cutoff:
                    break
                delay = origin + arrival - time.time()
                if delay > 0:
                    time.sleep(delay)
                self.sender(provider).put(payload)
                sent += 1
            for pending in self.queues.values():
                pending.join()
            print(
                f"· storm {seed} played: {sent:,} messages, {self.failed} not accepted", flush=True
            )
            seed += 1
            time.sleep(self.pause)


def serve(host: str, port: int, on_ready) -> None:
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server

    from oms.asgi import application

    Server(
        application=application,
        endpoints=build_endpoint_description_strings(host=host, port=port),
        ready_callable=on_ready,
        verbosity=0,
    ).run()


def _stop_on_sigterm() -> None:
    """SIGTERM exits like Ctrl-C (cleanup runs, the embedded database stops); Daphne installs
    its own handlers while it serves."""

    def exit_now(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_now)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    # Before anything starts (the embedded database, a login): a taken port ends it here.
    exit_if_port_taken(args.host, args.port)
    _stop_on_sigterm()
    try:
        run(args)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        from oms.embedded import release

        release()


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.db import connections

    logging.getLogger("django.request").setLevel(logging.ERROR)
    prepare_database()
    load_demo_grid()
    left = restore_leftovers()
    if left:
        print(f"· restored the {left} outage(s) a stopped storm had left active", flush=True)
    password, token = create_logins(args.reset_password)
    connections.close_all()
    base = f"http://{args.host}:{args.port}"
    print(
        "\n"
        f"  OMS demo is serving on {base}/\n"
        f"  dashboard  {base}/dashboard/\n"
        f"  log in as  {OPERATOR} / {password}   (kept across starts; --reset-password)\n"
        f"  API docs   {base}/api/docs/   admin {base}/admin/\n"
        "  Ctrl-C stops it.\n",
        flush=True,
    )

    def on_ready():
        if args.no_storm:
            return
        seed = args.seed if args.seed is not None else int(time.time()) % 10_000
        StormPlayer(base, token, minutes=args.storm_minutes, pause=args.pause, seed=seed).start()

    serve(args.host, args.port, on_ready)
