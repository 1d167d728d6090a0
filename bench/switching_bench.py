"""Switching benchmark: one operation on a big synthetic grid with devices, and the device
queries' latency (issue 10 item 6). Never part of the test run.

    DATABASE_URL=postgres://…/oms_x_bench python bench/switching_bench.py --meters 100000
    python bench/switching_bench.py --meters 1000000 --samples 100

Steps: generate the grid CSVs with devices (oms.storm.generate_grid(devices=True): per
feeder a head switch, a telemetered recloser, a sectionalizer, fused laterals of about
√(DPs per feeder) DPs and DPs on the main line below each, and a normally-open tie to the next
feeder: oms.storm.grid.FeederLayout) -> fresh database -> migrate -> import_grid -> every meter
on -> time switching operations through `outages.actions.operate_device` (the API's action:
state, derived feeding, meters' evidence, planned outage, log, push notification) -> p50/p99 of
`/api/devices/<kind>/<code>/meters/` (first page), `/api/devices/` (a page with its downstream
counts) and one device, through DRF's test client in process (view + database, no HTTP), with
the CPU each request took in this process and in its database backend (the figure a loaded
machine does not inflate).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from storm import shape_for  # noqa: E402
from storm_support import fresh_database, log, pct  # noqa: E402

# The closed switch with most meters below it whose section a normally-open tie from another
# substation can back-feed (the switch lies on the path of one of the tie's sides).
PICK_BACK_FEED = """
    SELECT s.code, t.code, x.meters
      FROM network_devices t
      JOIN network_sections a ON a.id = t.section_a_id
      JOIN network_sections b ON b.id = t.section_b_id
      JOIN network_feeders fa ON fa.id = a.feeder_id
      JOIN network_feeders fb ON fb.id = b.feeder_id
     CROSS JOIN LATERAL (VALUES (a.path), (b.path)) AS side(path)
      JOIN network_devices s ON s.id = ANY (side.path) AND s.kind = 'switch'
                            AND s.state = 'closed'
     CROSS JOIN LATERAL (SELECT coalesce(sum(z.meters_count), 0) AS meters
                           FROM network_sections z WHERE z.path @> ARRAY[s.id]) x
     WHERE t.kind = 'switch' AND t.state = 'open' AND fa.substation_id <> fb.substation_id
     ORDER BY x.meters DESC, s.code, t.code
     LIMIT 1
"""


def timed(label: str, work) -> tuple[str, float, object]:
    began = time.perf_counter()
    result = work()
    return label, time.perf_counter() - began, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default="/tmp/oms-switching")
    parser.add_argument("--keep-database", action="store_true", help="grid already imported")
    parser.add_argument(
        "--feeder-model",
        help="an OpenDSS master (e.g. IEEE 9500's ieee9500_base.dss) imported by import_feeder "
        "instead of the synthetic grid: the closed switch with most meters below it that a "
        "tie from another substation can back-feed is opened, the tie closed, then both undone",
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("OMS_DATA_DIR", "/tmp/oms-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    if not args.keep_database:
        fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    from oms import storm as sim
    from oms.tokens import issue_token
    from outages.actions import operate_device
    from topology.grid import import_grid

    call_command("migrate", verbosity=0)
    if args.feeder_model:
        if not args.keep_database:
            began = time.perf_counter()
            call_command("import_feeder", "opendss", args.feeder_model, verbosity=0)
            log(f"import_feeder {args.feeder_model} in {time.perf_counter() - began:.1f} s")
    else:
        s, f, d, m = shape_for(args.meters)
        grid_dir = Path(args.workdir) / f"grid-{s}x{f}x{d}x{m}-seed{args.seed}-devices"
        log(f"grid {s} x {f} x {d} x {m} = {s * f * d * m:,} meters, with devices")
        if not (grid_dir / "devices.csv").exists():
            summary = sim.generate_grid(grid_dir, s, f, d, m, seed=args.seed, devices=True)
            log(f"grid CSVs written in {summary.seconds:.1f} s")
        if not args.keep_database:
            began = time.perf_counter()
            report = import_grid(grid_dir, progress=lambda msg: log(f"  import: {msg}"))
            log(f"import_grid in {time.perf_counter() - began:.1f} s, {len(report.errors)} errors")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE oms_meters SET power_status = 'on' WHERE power_status <> 'on'")
        cursor.execute("SELECT count(*), (SELECT count(*) FROM oms_meters) FROM network_devices")
        devices, meters = cursor.fetchone()
        cursor.execute("VACUUM ANALYZE")
    log(f"{meters:,} meters, {devices:,} devices; every meter on")

    rows = []
    if args.feeder_model:
        with connection.cursor() as cursor:
            cursor.execute(PICK_BACK_FEED)
            picked = cursor.fetchone()
        if picked is None:
            raise SystemExit("no closed switch that a tie from another substation can back-feed")
        switch, tie, below = picked
        log(f"switch {switch} ({below:,} meters below it), tie {tie}")
        plan = [
            ("open a switch", "switch", switch, "open"),
            ("close a tie from another substation (back-feed)", "switch", tie, "close"),
            ("open the tie", "switch", tie, "open"),
            ("close the switch", "switch", switch, "close"),
        ]
        queries = {
            "API meters of the switch (first page)": f"/api/devices/switch/{switch}/meters/",
            "API devices, a page with downstream counts": "/api/devices/?page_size=50",
            "API devices, a page of switches": "/api/devices/?kind=switch&page_size=50",
            "API one device with path and counts": f"/api/devices/switch/{switch}/",
        }
    else:
        width = max(3, len(str(s * f)))
        fd1, fd2 = "FD" + "1".zfill(width), "FD" + "2".zfill(width)
        # Open the recloser (a planned outage over half a feeder) and close it; open the next
        # feeder's head switch and back-feed it through the tie; then put everything back.
        plan = [
            ("open the recloser", "recloser", f"RC-{fd1}", "open"),
            ("close the recloser", "recloser", f"RC-{fd1}", "close"),
            ("open a head switch", "switch", f"SW-{fd2}", "open"),
            ("close the tie (back-feed)", "switch", f"TI-{fd1}", "close"),
            ("open the tie", "switch", f"TI-{fd1}", "open"),
            ("close the head switch", "switch", f"SW-{fd2}", "close"),
        ]
        queries = {
            "API meters of a recloser (first page)": f"/api/devices/recloser/RC-{fd1}/meters/",
            "API meters of a fuse (first page)": f"/api/devices/fuse/FU-{fd1}-1/meters/",
            "API meters of a head switch (first page)": f"/api/devices/switch/SW-{fd1}/meters/",
            "API meters of a substation (first page)": "/api/substations/SS001/meters/",
            "API devices, a page with downstream counts": "/api/devices/?page_size=50",
            "API devices, a page of switches and ties": "/api/devices/?kind=switch&page_size=50",
            "API one device with path and counts": f"/api/devices/recloser/RC-{fd1}/",
        }
    for label, kind, code, action in plan:
        label, seconds, switching = timed(
            label, lambda k=kind, c=code, a=action: operate_device(kind=k, code=c, action=a)
        )
        op = switching.operation
        switched = op.meters_de_energized or op.meters_energized
        rows.append((f"{label} ({kind} {code})", seconds, switched))

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('switching-bench', ['read'])}")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")

    def cpu() -> float:
        """This process's CPU and its database backend's (on-CPU ns, when readable): what a
        request costs, whatever else the machine is doing."""
        own = time.process_time()
        try:
            return own + int(backend.read_text().split()[0]) / 1e9
        except OSError:
            return own

    timings = []
    load_before = os.getloadavg()[0]
    for label, url in queries.items():
        assert client.get(url).status_code == 200, url
        samples, cpus = [], []
        for _ in range(args.samples):
            began, began_cpu = time.perf_counter(), cpu()
            client.get(url)
            samples.append((time.perf_counter() - began) * 1000)
            cpus.append((cpu() - began_cpu) * 1000)
        timings.append((label, pct(samples, 0.5), pct(samples, 0.99), pct(cpus, 0.5)))
    load_after = os.getloadavg()[0]

    print(f"\nSwitching on {meters:,} meters, {devices:,} devices "
          f"(python bench/switching_bench.py {' '.join(sys.argv[1:])})")  # fmt: skip
    print("| operation | seconds | meters switched |\n|---|---|---|")
    for label, seconds, meters in rows:
        print(f"| {label} | {seconds:.3f} | {meters:,} |")
    print(f"\n| query ({args.samples} samples; load {load_before:.1f} -> {load_after:.1f}) "
          "| p50 | p99 | CPU p50 (Django + PostgreSQL) |\n|---|---|---|---|")  # fmt: skip
    for label, p50, p99, cpu50 in timings:
        print(f"| {label} | {p50:.1f} ms | {p99:.1f} ms | {cpu50:.1f} ms |")


if __name__ == "__main__":
    main()
