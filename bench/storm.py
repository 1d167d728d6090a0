"""Storm benchmark: a network, a simulated storm through the real HTTP ingest, and its figures.

    python bench/storm.py --meters 1000000                 # 20 x 10 x 200 x 25, embedded PG
    python bench/storm.py --meters 20000 --url http://127.0.0.1:8000
    python bench/storm.py --network ieee8500 --seed 1 2 3  # a real feeder, three storms
    python bench/storm.py --network synthetic --meters 100000 --faults dp=20 fuse=10

Without --network: the storm of the README's million-meter figure (`build_storm` on a grid
without devices, one fault per feeder), kept as it was so that two checkouts can be compared
with the same arguments (bench/storm_compare.py). With --network: `build_network_storm` on the
network as operated (faults at every device kind, several per feeder, nested, back-feed, AMI
noise) after importing it into a fresh database:

    ieee123, ieee8500, ieee9500, ckt24   import_feeder opendss (the fixtures of
                                         ../shared/fixtures/feeders, or OMS_FEEDER_FIXTURES)
    synthetic                            generate_grid(devices=True) + import_grid (--meters)

Steps, per seed: fresh database -> migrate -> import -> start a Daphne (or use --url) -> a token
-> post the storm in batches -> the sustained events/s, the server's peak RSS, the quality table
against the ground truth (oms.storm.report) and, for the last seed, p50/p99 of the main queries.
Several seeds end with one line per seed for the README's tables.

Without DATABASE_URL the embedded PostgreSQL lives under OMS_DATA_DIR, which this script sets to
/tmp/oms-bench unless you set it, so a benchmark never touches the development database. A
DATABASE_URL must name a database containing 'bench' (it is dropped and made again).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FEEDERS = Path(os.environ.get("OMS_FEEDER_FIXTURES", ROOT.parent / "shared/fixtures/feeders"))
# name -> (master, import_feeder options): the README's commands.
REAL_NETWORKS = {
    "ieee123": ("ieee123/IEEE123Master.dss", ["--buscoords", "ieee123/BusCoords.dat"]),
    "ieee8500": (
        "ieee8500/Master.dss",
        [
            "--redirect",
            "ieee8500/Run_RecloserSiting.DSS",
            "--redirect",
            "ieee8500/Fuses.DSS",
            "--origin",
            "31.95,35.91",
        ],
    ),
    "ckt24": ("epri-ckt24/master_ckt24.dss", ["--origin", "32.0,36.0"]),
    "ieee9500": ("ieee9500/ieee9500_base.dss", ["--prefix", "ieee9500:"]),
}
NETWORKS = (*REAL_NETWORKS, "synthetic")
SCOPES = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center", "read", "operate"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def shape_for(meters: int) -> tuple[int, int, int, int]:
    """(substations, feeders per substation, DPs per feeder, meters per DP) for about `meters`;
    a million gives 20 x 10 x 200 x 25."""
    substations = max(1, round(meters / 50_000))
    dps = max(2, round(meters / (substations * 10 * 25)))
    return substations, 10, dps, 25


def load_network(args, seed: int):
    """Import the network and return what the storm builder reads (a GridView or NetworkView)."""
    from django.core.management import call_command

    from oms import storm as sim
    from topology.grid import import_grid

    if args.network in REAL_NETWORKS:
        master, options = REAL_NETWORKS[args.network]
        options = [str(FEEDERS / o) if "/" in o else o for o in options]  # fixture files
        if not args.skip_import:
            began = time.perf_counter()
            call_command("import_feeder", "opendss", str(FEEDERS / master), *options)
            log(f"import_feeder {args.network} in {time.perf_counter() - began:.1f} s")
        return network_view()
    shape = tuple(int(x) for x in args.shape.split(",")) if args.shape else shape_for(args.meters)
    s, f, d, m = shape
    devices = args.network == "synthetic"
    grid_dir = Path(args.workdir) / (
        f"grid-{s}x{f}x{d}x{m}-seed{args.grid_seed or seed}" + ("-devices" if devices else "")
    )
    log(f"grid {s} x {f} x {d} x {m} = {s * f * d * m:,} meters{' with devices' * devices}")
    if not (grid_dir / "meters.csv").exists():
        summary = sim.generate_grid(
            grid_dir, s, f, d, m, seed=args.grid_seed or seed, devices=devices
        )
        log(
            f"grid CSVs written in {summary.seconds:.1f} s: {summary.meters:,} meters, "
            f"{summary.customers:,} customers, {summary.onus:,} ONUs, {summary.meter_types}"
        )
    else:
        log(f"grid CSVs already in {grid_dir}")
    if not args.skip_import:
        began = time.perf_counter()
        report = import_grid(grid_dir, progress=lambda msg: log(f"  import: {msg}"))
        log(f"import_grid in {time.perf_counter() - began:.1f} s, {len(report.errors)} errors")
        for error in report.errors[:10]:
            log(f"  {error}")
    return network_view() if devices else sim.GridView.from_csv(grid_dir)


def network_view():
    try:
        from oms.storm.tree import NetworkView
    except ImportError as exc:  # the network storms of issue 11 item 4 not on this checkout
        raise SystemExit(f"--network needs oms.storm.tree.NetworkView: {exc}") from exc
    return NetworkView.from_db()


def build(args, net, seed: int):
    """The storm: the README's (no --network) or one on the network as operated."""
    from oms import storm as sim

    if not args.network:
        feeders = len(net.feeders)

        def given(value, fallback):
            return fallback if value is None else value

        return sim.build_storm(
            net,
            seed,
            feeder_faults=given(args.feeder_faults, max(1, feeders // 10)),
            dp_faults=given(args.dp_faults, max(1, feeders // 10)),
            dp_blips=given(args.dp_blips, max(1, feeders // 40)),
            feeder_blips=given(args.feeder_blips, feeders // 100),
            nested_dps=given(args.nested_dps, max(1, feeders // 40)),
            nested_meters=given(args.nested_meters, max(2, feeders // 20)),
            last_gasp_share=args.last_gasp_share,
            late_share=args.late_share,
            call_share=args.call_share,
            max_repeats=args.max_repeats,
        )
    from oms.storm.scenario import build_network_storm

    counts = {}
    for item in args.faults:
        name, _, value = item.partition("=")
        counts[name.replace("-", "_")] = int(value) if value.isdigit() else float(value)
    return build_network_storm(net, seed, **counts)


def run_storm(args, seed: int, first: bool, last: bool) -> dict:
    """One seed: fresh database, import, storm, figures. Returns the report's summary."""
    from django.core.management import call_command
    from django.db import connection
    from storm_support import (
        fresh_database,
        pad_history,
        print_function_times,
        proc_status,
        served,
        time_queries,
    )

    from oms import storm as sim
    from oms.tokens import issue_token

    if not args.keep_database and not first:
        connection.close()
        fresh_database()
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - began:.1f} s")
    net = load_network(args, seed)
    if args.rule_set:
        from outages.actions import RuleSetAlreadyActive, activate_rule_set

        with contextlib.suppress(RuleSetAlreadyActive):
            activate_rule_set(name=args.rule_set, note="bench/storm.py")
        log(f"rule set {args.rule_set} active")
    if args.reset_events:
        sim.reset_event_state()
        log("events and outages of earlier runs cleared")
    if args.profile_sql:
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER DATABASE \"{connection.settings_dict['NAME']}\" SET track_functions = 'pl'"
            )
            cursor.execute("SELECT pg_stat_reset()")

    began = time.perf_counter()
    storm = build(args, net, seed)
    affected = len(storm.expected_state) + len(storm.unobservable)
    log(
        f"storm (seed {seed}) built in {time.perf_counter() - began:.1f} s: "
        f"{len(storm.faults)} faults, {affected:,} meters affected, {storm.counts()}"
    )
    for note in getattr(storm, "notes", []):
        log(f"  note: {note}")
    if args.history_rows:
        # The utility's past year is there before the storm: ingest and queries both see it.
        began = time.perf_counter()
        pad_history(args.history_rows, storm.start)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE oms_meter_status_events")
        log(
            f"history padded with {args.history_rows:,} rows in {time.perf_counter() - began:.1f} s"
        )
    # The import's and the history's checkpoint is settled first, so the storm is not measured
    # while the server writes out gigabytes of earlier work.
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")

    key = issue_token(f"storm-bench-{os.getpid()}-{seed}", SCOPES)
    with served(args) as (url, server):
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
        log(
            f"posted in {post.seconds:.1f} s: {post.delivered:,} of {post.events:,} events "
            f"delivered = {post.rate:,.0f} events/s sustained"
        )
        if post.failures:
            log(
                f"{len(post.failures)} batches failed (see the server log); the figures below "
                "are not a benchmark"
            )
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
        print(f"{args.network or 'grid'}, seed {seed}, rules {args.rule_set or 'as found'}:")
        print(sim.format_report(storm, quality, post))
        if status:
            print(f"server peak RSS (VmHWM): {status.get('VmHWM', '?').strip()}")
        print()
        if args.profile_sql:
            print_function_times()
        if last and not args.no_queries:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT count(*) FROM oms_meter_status_events")
                (history,) = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM oms_meters")
                (meters,) = cursor.fetchone()
            print(f"query latency ({meters:,} meters, {history:,} history rows):")
            touched = sorted(storm.expected_state)
            for line in time_queries(url, key, sorted(net.feeders), touched, args.query_samples):
                print(line)
    figures = sim.summary(quality)
    figures.update(
        seed=seed,
        rate=post.rate,
        events=post.events,
        meters=affected,
        short=sim.shortfalls(quality),
    )
    return figures


def table(network: str, rows: list[dict]) -> str:
    """One Markdown row per seed: the README's table for this network."""

    def s(value, fmt="{:.1f} s"):
        return "n/a" if value is None else fmt.format(value)

    head = (
        "| seed | faults (found / false / silent) | precision | recall (of told) | customers "
        "error | falsely out | wrong meters | last message → outage p95 | restoration error "
        "p50 / p95 (abs) |"
    )
    lines = [f"{network}:", head, "|" + "---|" * 9]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['faults']} ({r['found']} / {r['false']} / {r['silent']}) | "
            f"{r['precision']:.3f} | {r['recall']:.3f} ({r['recall_told']:.3f}) | "
            f"{r['customers_error']:.1%} | {r['falsely_out']:.1%} | "
            f"{r['wrong_meters']} of {r['meters_checked']} | {s(r['detect_p95'])} | "
            f"{s(r['restore_p50'], '{:.0f}')} / {s(r['restore_p95'], '{:.0f} s')} |"
        )
    for r in rows:
        if r["short"]:
            lines.append(f"seed {r['seed']} misses: {'; '.join(r['short'])}")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--network",
        choices=NETWORKS,
        help="a real feeder or the synthetic grid with devices (default: the "
        "README's million-meter storm on a grid without devices)",
    )
    parser.add_argument("--meters", type=int, default=1_000_000, help="grids only")
    parser.add_argument("--shape", help="S,F,D,M: substations, feeders each, DPs each, meters each")
    parser.add_argument("--seed", type=int, nargs="+", default=[1], help="one storm per seed")
    parser.add_argument("--grid-seed", type=int, help="the grid's seed (default: the storm's)")
    parser.add_argument(
        "--faults",
        nargs="*",
        default=[],
        metavar="KIND=N",
        help="--network: build_network_storm counts, e.g. dp=5 fuse=4 "
        "recloser=1 nested=1 backfeed=1",
    )
    parser.add_argument("--rule-set", help="activate this rule set before the storm (e.g. storm)")
    parser.add_argument("--workdir", default="/tmp/oms-storm", help="where grids are written")
    parser.add_argument("--url", help="use this running server instead of starting a Daphne")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--skip-import", action="store_true", help="the network is already loaded")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--window", type=float, default=60.0, help="storm seconds per batch round")
    for name in (
        "feeder-faults",
        "dp-faults",
        "dp-blips",
        "feeder-blips",
        "nested-dps",
        "nested-meters",
    ):
        parser.add_argument(f"--{name}", type=int, help="without --network")
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
        help="track PL/pgSQL function times (track_functions), print the costliest",
    )
    parser.add_argument(
        "--reset-events",
        action="store_true",
        help="with --skip-import: clear the events and outages of an earlier run",
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="do not drop and recreate the database (default: start from empty)",
    )
    args = parser.parse_args()
    if args.skip_import and not args.keep_database:
        raise SystemExit("--skip-import needs --keep-database")
    if args.keep_database and len(args.seed) > 1:
        raise SystemExit("several seeds each need a fresh database: drop --keep-database")
    return args


def main() -> None:
    args = parse_args()
    # SIGTERM exits like Ctrl-C: the Daphne it started and the embedded database stop too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("OMS_DATA_DIR", "/tmp/oms-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    if not args.keep_database:
        from storm_support import fresh_database

        fresh_database()  # the first seed's, before Django connects
    import django

    django.setup()
    where = os.environ.get("DATABASE_URL") or f"embedded PostgreSQL in {os.environ['OMS_DATA_DIR']}"
    log(f"network {args.network or 'grid (no devices)'}; database: {where}")
    rows = []
    for i, seed in enumerate(args.seed):
        rows.append(run_storm(args, seed, first=i == 0, last=i == len(args.seed) - 1))
    if args.network or len(rows) > 1:
        print(table(args.network or "grid", rows))
    print(f"\nreproduce: python bench/storm.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
