"""Import time of the four public feeder models (`import_feeder opendss`), first import and
re-import (nothing changed), into one migrated database.

    OMS_DATA_DIR=/tmp/oms-bench-import python bench/import_bench.py [--runs 3]
    DATABASE_URL=postgres://…/oms_import_bench python bench/import_bench.py

The database's network, customers and meters are emptied before each run: a DATABASE_URL must
name a database containing 'bench', or pass --empty-database. Prints one table: compile
(OpenDSS), network build (networkx), write + derive (PostgreSQL), total; medians over the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from topology.feeder_import import import_feeder_model  # noqa: E402
from topology.feeder_model import build  # noqa: E402
from topology.opendss import compile_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FEEDERS = Path(os.environ.get("OMS_FEEDER_FIXTURES", ROOT.parent / "shared/fixtures/feeders"))
MODELS = [
    ("IEEE 123", "ieee123/IEEE123Master.dss", []),
    ("IEEE 8500", "ieee8500/Master.dss", ["ieee8500/Run_RecloserSiting.DSS", "ieee8500/Fuses.DSS"]),
    ("EPRI ckt24", "epri-ckt24/master_ckt24.dss", []),
    ("IEEE 9500", "ieee9500/ieee9500_base.dss", []),
]
TABLES = [
    "network_lines", "network_devices", "oms_meter_status_events", "network_feeder_meters",
    "network_substation_meters", "oms_meters", "oms_customers", "network_distribution_points",
]  # fmt: skip


def empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        cursor.execute("UPDATE network_feeders SET head_section_id = NULL")
        cursor.execute("TRUNCATE network_sections, network_feeders, network_substations CASCADE")


def once(master: Path, redirects: list[Path]) -> tuple[float, float, float, int]:
    began = time.perf_counter()
    raw = compile_model(master, redirects)
    compiled = time.perf_counter()
    model = build(raw)
    built = time.perf_counter()
    import_feeder_model(model, raw.circuit)
    written = time.perf_counter()
    return compiled - began, built - compiled, written - built, len(model.meters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--empty-database", action="store_true", help="allow any DATABASE_URL")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if os.environ.get("DATABASE_URL") and "bench" not in name and not args.empty_database:
        sys.exit(f"refusing to empty database {name!r}: name it *bench* or pass --empty-database")
    call_command("migrate", verbosity=0)
    print("| model | meters | compile | build | write + derive | first import | re-import |")
    print("|---|---|---|---|---|---|---|")
    for label, master, redirects in MODELS:
        firsts, agains = [], []
        for _ in range(args.runs):
            empty()
            firsts.append(once(FEEDERS / master, [FEEDERS / r for r in redirects]))
            agains.append(once(FEEDERS / master, [FEEDERS / r for r in redirects]))
        parts = [statistics.median(run[i] for run in firsts) for i in range(3)]
        first = statistics.median(sum(run[:3]) for run in firsts)
        again = statistics.median(sum(run[:3]) for run in agains)
        print(
            f"| {label} | {firsts[0][3]:,} | {parts[0]:.2f} s | {parts[1]:.2f} s | "
            f"{parts[2]:.2f} s | {first:.2f} s | {again:.2f} s |",
            flush=True,
        )
    empty()


if __name__ == "__main__":
    main()
