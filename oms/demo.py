"""`oms demo`: a working control room on one machine, from nothing.

Starts the embedded PostgreSQL (settings does that when DATABASE_URL is unset), migrates, loads
a network with protective devices (`--network`: the IEEE 8500-node feeder shipped with the
package, or the synthetic grid with devices; oms/demo_network.py), creates an operator login
and prints it, serves Daphne on http://127.0.0.1:8000/ and plays storms in real time through
the real ingest and switching endpoints (the simulator's storms on a real network,
oms.storm.build_network_storm: fuses that blow, a recloser that trips, recloses and locks out,
a crew that isolates the fault and back-feeds through a tie, then back to normal), one storm
after another; after each, the storm's quality figures — the engine's outages against
the storm's truth (oms/demo_quality.py) — on the terminal and the dashboard.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime

from oms.demo_network import NETWORKS, OtherNetwork, load_network
from oms.demo_poster import Poster
from oms.demo_start import (
    DEMO_MOMENTARY_MINUTES,
    OPERATOR,
    compress_time,
    exit_if_port_taken,
    operator_login,
    restore_leftovers,
    restore_normal_state,
)

logger = logging.getLogger("oms.demo")

FEED_TOKEN = "demo-feeds"
FEED_SCOPES = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center"]
# The crew that switches during restoration: its operations are logged under this name.
CREW_TOKEN = "demo-crew"
CREW_SCOPES = ["operate"]
# One demo storm (oms.storm.build_network_storm's counts; fewer where the network lacks such
# devices, which the storm's notes say): a transformer, two fuses, a recloser lockout and a
# blip, a sectionalizer, a meter, a nested fault, a back-feed from another feeder and an
# isolation with a back-feed through a tie on the same feeder, then back to normal.
STORM_FAULTS = {
    "dp": 1, "fuse": 2, "recloser": 1, "recloser_blips": 1, "sectionalizer": 1, "feeder": 0,
    "feeder_blips": 0, "substation": 0, "meter": 1, "nested": 1, "backfeed": 1, "isolation": 1,
}  # fmt: skip
# A storm's faults start within 20 minutes and last 10 minutes to 4 hours (about 500 minutes
# end to end): the demo squeezes that into --storm-minutes.
STORM_SPAN_S = 30_000.0
MIN_STORM_MINUTES = 6


def minutes(text: str) -> float:
    value = float(text)
    if value < MIN_STORM_MINUTES:
        # Below that the shortest sustained fault would fall under the demo's momentary line.
        raise argparse.ArgumentTypeError(f"a storm lasts at least {MIN_STORM_MINUTES} minutes")
    return value


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
        "--network",
        choices=NETWORKS,
        default="ieee8500",
        help="ieee8500: the IEEE 8500-node test feeder shipped with the package (fuses, a "
        "recloser, switches, ties); synthetic: a generated grid of 6 feeders with reclosers, "
        "sectionalizers, fuses and ties between feeders (default ieee8500)",
    )
    parser.add_argument(
        "--reset-password",
        action="store_true",
        help="give the operator a new password (logs out its open sessions); otherwise the "
        "password of the last start is kept",
    )
    parser.add_argument(
        "--storm-minutes",
        type=minutes,
        default=8.0,
        help=f"length of one storm (minutes, at least {MIN_STORM_MINUTES}; default 8)",
    )
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between storms")
    parser.add_argument("--no-storm", action="store_true", help="serve only, feed nothing")
    parser.add_argument("--seed", type=int, default=None, help="first storm's seed")
    return parser.parse_args(argv)


def prepare_database() -> None:
    from django.core.management import call_command

    print("· migrating the database …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)


def create_logins(reset_password: bool = False) -> tuple[str, str, str]:
    """The operator's password (kept across starts unless reset), the feeds' and the crew's
    tokens."""
    from oms.tokens import issue_token

    return (
        operator_login(reset_password),
        issue_token(FEED_TOKEN, FEED_SCOPES),
        issue_token(CREW_TOKEN, CREW_SCOPES),
    )


def build_storm(seed: int, minutes: float, start=None):
    """The next storm on the network as the database holds it now: the simulator's storm on a
    real network (oms.storm.build_network_storm), its hours squeezed into `minutes`."""
    from oms.storm import NetworkView, Noise, build_network_storm

    net = NetworkView.from_db()
    return build_network_storm(
        net,
        seed,
        **STORM_FAULTS,
        noise=Noise(late_share=0.0),  # a live feed: nothing arrives half an hour late
        time_scale=minutes * 60 / STORM_SPAN_S,
        start=start,
    )


def storm_end(storm) -> float:
    """When the storm's last fault is over (seconds after its start): the demo plays it until
    a little after, skipping the tail of retransmissions."""
    return max((f.end for f in storm.faults if f.end is not None), default=0.0) + 90.0


def storm_figures(storm, network: str, seed: int, switching: list[dict]) -> dict:
    """Score the storm just played against the database, print and keep the figures."""
    from django.db import connection

    from oms import demo_quality

    with connection.cursor() as cursor:
        figures, report = demo_quality.score(
            storm, cursor, network=network, seed=seed, switching=switching
        )
    demo_quality.save(figures)
    print(report, flush=True)
    print(demo_quality.format_figures(figures), flush=True)
    return figures


class StormPlayer(threading.Thread):
    """Plays storms in real time on the demo's network: each message at its time, through the
    real ingest and switching endpoints; after each storm, its quality figures."""

    def __init__(self, base, token, crew_token, *, network, feeders, minutes, pause, seed):
        super().__init__(name="oms-demo-storms", daemon=True)
        self.poster = Poster(base, token, crew_token)
        self.network, self.feeders = network, feeders
        self.minutes, self.pause, self.seed = minutes, pause, seed
        self.stopping = self.poster.stopping

    def stop(self) -> None:
        """The server stops (before it answers its last requests): feed nothing more."""
        self.stopping.set()

    def play(self, seed: int, *, realtime: bool = True) -> dict:
        """One storm: each message at its time (or, not in real time, a storm dated in the
        past sent as fast as the server takes it, slice by slice of 5 storm seconds, each crew
        operation after what came before it), then its figures (none when the demo stops
        midway)."""
        from django.db import connection

        try:
            # The network back as designed, nothing left out: each storm starts from there.
            restore_normal_state()
            restore_leftovers()
            storm = build_storm(seed, self.minutes, datetime.now(UTC) if realtime else None)
        finally:
            connection.close()
        end = storm_end(storm)
        played = [e for e in storm.emissions if e.arrival <= end]
        kinds = sorted({f"{f.scope}" for f in storm.faults if f.kind != "momentary"})
        print(f"· storm {seed} on {self.network}: {len(storm.faults)} faults at "
              f"{', '.join(kinds)}; {len(played):,} messages over ~{end / 60:.0f} min",
              flush=True)  # fmt: skip
        for note in storm.notes:
            print(f"    ({note})", flush=True)
        origin = storm.start.timestamp()
        self.poster.failed, self.poster.switching = 0, []
        slice_end = 0.0
        for e in played:
            payload = storm.render(e)
            if e.provider == "operate":
                payload |= {"kind": e.ref.kind, "code": e.ref.code}
            if realtime:
                delay = origin + e.arrival - time.time()
                if delay > 0 and self.stopping.wait(delay):
                    return {}
            elif e.arrival >= slice_end or e.provider == "operate":
                self.poster.join()
                slice_end = e.arrival + 5.0
            if self.stopping.is_set():
                return {}
            self.poster.put(e.provider, payload)
            if e.provider == "operate" and not realtime:
                self.poster.join()  # what comes after an operation goes after it
        self.poster.join()
        time.sleep(3)  # the last answers are in; let the pushes settle before scoring
        print(f"· storm {seed} played: {len(played):,} messages, {self.poster.failed} not "
              "accepted", flush=True)  # fmt: skip
        try:
            return storm_figures(storm, self.network, seed, self.poster.switching)
        finally:
            connection.close()

    def run(self) -> None:
        seed = self.seed
        while not self.stopping.is_set():
            try:
                self.play(seed)
            except Exception as exc:
                logger.exception("storm %s", seed)
                print(f"! storm {seed} stopped: {exc}", flush=True)
                return
            seed += 1
            self.stopping.wait(self.pause)


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
    try:
        feeders = load_network(args.network)
    except OtherNetwork as refused:
        print(f"oms demo: {refused}", file=sys.stderr, flush=True)
        sys.exit(2)
    if compress_time():
        print(
            "· storms here last minutes, not hours: momentary_max_minutes set to "
            f"{DEMO_MOMENTARY_MINUTES:g} (admin, correlation rules)",
            flush=True,
        )
    switched = restore_normal_state()
    if switched:
        print(f"· {switched} device(s) a stopped storm left switched: back to normal", flush=True)
    left = restore_leftovers()
    if left:
        print(f"· restored the {left} outage(s) a stopped storm had left active", flush=True)
    password, token, crew_token = create_logins(args.reset_password)
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
        from twisted.internet import reactor

        seed = args.seed if args.seed is not None else int(time.time()) % 10_000
        player = StormPlayer(
            base, token, crew_token, network=args.network, feeders=feeders,
            minutes=args.storm_minutes, pause=args.pause, seed=seed,
        )  # fmt: skip
        # Stopping (SIGTERM, Ctrl-C), the server answers what is in flight (oms/draining.py):
        # the storm stops first, so nothing more comes.
        reactor.addSystemEventTrigger("before", "shutdown", player.stop)
        player.start()

    serve(args.host, args.port, on_ready)
