"""Loss of voltage on a feeder of 10,000 meters: the engine beside two baselines, one database.

    OMS_DATA_DIR=/tmp/oms-bench-engine python bench/engine_bench.py [--meters 10000] [--runs 3]

(a) one bare set-based UPDATE of the same meters (the floor: no audit, no outage);
(c) the engine's writes as plain set-based statements: the outage row, one UPDATE of the
    meters, their audit rows and their links to the outage, each one INSERT ... SELECT (what
    the engine is held against: within 1.5x, issue 11 item 7);
(b) per-meter loops doing the engine's writes meter by meter (read the meter, update it, insert
    its audit row, link it to the outage): once as a PL/pgSQL loop inside the server, once from
    Python with a round trip per statement, as the seed's consumers did.
Each run uses fresh feeders of the same size, so no run sees another's state. Beside the wall
time, the CPU the database backend spent (where /proc can be read): on a loaded machine the wall
time mostly measures the others' work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from ingest import sqlfuncs as ingest_sql  # noqa: E402
from oms.storm import generate_grid  # noqa: E402

LOOP_SQL = """
DO $$
DECLARE
    _m record;
    _outage bigint;
BEGIN
    INSERT INTO oms_outage_events (event_id, event_type, status, scope, device_id, feeder_id,
        severity, confidence_score, affected_meters_count, restored_meters_count,
        affected_customers_count, first_detected_at, root_cause, description, crew, created_at,
        updated_at)
    VALUES ('LOOP-' || %(feeder)s, 'outage', 'detected', 'feeder', %(feeder)s, %(feeder)s, 'high',
        1, 0, 0, 0, now(), '', '', '', now(), now()) RETURNING id INTO _outage;
    FOR _m IN SELECT id, power_status FROM oms_meters WHERE feeder_id = %(feeder)s ORDER BY id LOOP
        UPDATE oms_meters SET power_status = 'off', last_power_change = now() WHERE id = _m.id;
        INSERT INTO oms_meter_status_events (meter_id, event_type, previous_status, new_status,
            source_type, source_event_id, event_timestamp, applied, metadata, created_at)
        VALUES (_m.id, 'loss_of_voltage', _m.power_status, 'off', 'scada', 'loop-' || %(feeder)s,
            now(), true, '{}', now());
        INSERT INTO oms_outage_meters (outage_event_id, meter_id, off_at, inferred)
        VALUES (_outage, _m.id, now(), false);
    END LOOP;
END $$;
"""


def backend_cpu() -> float:
    """Seconds on a CPU of this connection's PostgreSQL backend (/proc/<pid>/schedstat), 0
    where it cannot be read: what the database spent, whatever else the machine is doing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except OSError:
        return 0.0


def timed(work) -> tuple[float, float]:
    """(wall seconds, backend CPU seconds) of the work and its commit."""
    cpu = backend_cpu()
    started = time.perf_counter()
    with transaction.atomic():
        work()
    return time.perf_counter() - started, backend_cpu() - cpu


def engine(feeder: str, substation: str) -> None:
    answer = ingest_sql.insert_scada_event_with_meter_check(
        {
            "eventType": "MV_AlarmLossOfVoltage",
            "alarmType": "De-energized",
            "substationId": substation,
            "feederId": feeder,
            "timestamp": "2025-10-01T06:15:30Z",
        }
    )
    assert answer["status"] == "processed", answer


def bare_update(feeder_pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE oms_meters SET power_status = 'off', last_power_change = now() "
            "WHERE feeder_id = %s",
            [feeder_pk],
        )


SET_BASED_SQL = """
WITH outage AS (
    INSERT INTO oms_outage_events (event_id, event_type, status, scope, device_id, feeder_id,
        severity, confidence_score, affected_meters_count, restored_meters_count,
        affected_customers_count, first_detected_at, root_cause, description, crew, created_at,
        updated_at)
    VALUES ('SET-' || %(feeder)s, 'outage', 'detected', 'feeder', %(feeder)s, %(feeder)s,
        'high', 1, 0, 0, 0, now(), '', '', '', now(), now())
    RETURNING id
), before AS (
    SELECT m.id, m.power_status FROM oms_meters m WHERE m.feeder_id = %(feeder)s FOR UPDATE
), moved AS (
    UPDATE oms_meters m SET power_status = 'off', last_power_change = now(), updated_at = now()
      FROM before b WHERE m.id = b.id
    RETURNING m.id, b.power_status AS previous_status
), audit AS (
    INSERT INTO oms_meter_status_events (meter_id, event_type, previous_status, new_status,
        source_type, source_event_id, event_timestamp, applied, metadata, created_at)
    SELECT v.id, 'loss_of_voltage', v.previous_status, 'off', 'scada', 'set-' || %(feeder)s,
           now(), true, '{}', now()
      FROM moved v
)
INSERT INTO oms_outage_meters (outage_event_id, meter_id, off_at, inferred)
SELECT o.id, v.id, now(), false FROM outage o CROSS JOIN moved v
"""


def set_based(feeder_pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(SET_BASED_SQL, {"feeder": int(feeder_pk)})


def plpgsql_loop(feeder_pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(LOOP_SQL.replace("%(feeder)s", str(int(feeder_pk))))


def python_loop(feeder_pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO oms_outage_events (event_id, event_type, status, scope, device_id, "
            "feeder_id, severity, confidence_score, affected_meters_count, restored_meters_count,"
            " affected_customers_count, first_detected_at, root_cause, description, crew, "
            "created_at, updated_at) VALUES (%s, 'outage', 'detected', 'feeder', %s, %s, 'high', "
            "1, 0, 0, 0, now(), '', '', '', now(), now()) RETURNING id",
            [f"PY-{feeder_pk}", feeder_pk, feeder_pk],
        )
        outage = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM oms_meters WHERE feeder_id = %s ORDER BY id", [feeder_pk])
        for (meter,) in cursor.fetchall():
            cursor.execute("SELECT power_status FROM oms_meters WHERE id = %s FOR UPDATE", [meter])
            (before,) = cursor.fetchone()
            cursor.execute(
                "UPDATE oms_meters SET power_status = 'off', last_power_change = now() "
                "WHERE id = %s",
                [meter],
            )
            cursor.execute(
                "INSERT INTO oms_meter_status_events (meter_id, event_type, previous_status, "
                "new_status, source_type, source_event_id, event_timestamp, applied, metadata, "
                "created_at) VALUES (%s, 'loss_of_voltage', %s, 'off', 'scada', %s, now(), true,"
                " '{}', now())",
                [meter, before, f"py-{feeder_pk}"],
            )
            cursor.execute(
                "INSERT INTO oms_outage_meters (outage_event_id, meter_id, off_at, inferred) "
                "VALUES (%s, %s, now(), false)",
                [outage, meter],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=10_000, help="meters per feeder")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    ways = (
        "engine",
        "bare UPDATE (a)",
        "set-based writes (c)",
        "PL/pgSQL loop (b)",
        "Python loop (b')",
    )
    with tempfile.TemporaryDirectory() as folder:
        # One substation per run, one feeder per way, 25 meters per DP.
        generate_grid(folder, args.runs, len(ways), args.meters // 25, 25, seed=7)
        with open(os.devnull, "w") as quiet:
            call_command("import_grid", folder, verbosity=0, stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, f.feeder_id, s.substation_id, count(m.id) FROM network_feeders f "
            "JOIN network_substations s ON s.id = f.substation_id "
            "JOIN oms_meters m ON m.feeder_id = f.id "
            "WHERE m.power_status = 'unknown' GROUP BY f.id, s.substation_id ORDER BY f.id"
        )
        feeders = cursor.fetchall()
    if len(feeders) < len(ways) * args.runs:
        sys.exit("the bench database already holds used feeders: use a fresh OMS_DATA_DIR")
    work = (engine, bare_update, set_based, plpgsql_loop, python_loop)
    times: dict[str, list[float]] = {way: [] for way in ways}
    cpus: dict[str, list[float]] = {way: [] for way in ways}
    for run in range(args.runs):
        for offset, (way, step) in enumerate(zip(ways, work, strict=True)):
            pk, code, substation, count = feeders[run * len(ways) + offset]
            arguments = (code, substation) if step is engine else (pk,)
            wall, cpu = timed(lambda step=step, arguments=arguments: step(*arguments))
            times[way].append(wall)
            cpus[way].append(cpu)
    floor = statistics.median(times[ways[1]])
    writes = statistics.median(times[ways[2]])
    writes_cpu = statistics.median(cpus[ways[2]])
    load = os.getloadavg()[0]
    print(f"Loss of voltage on a feeder of {count:,} meters, median of {args.runs} runs "
          f"(load average {load:.1f} at the end)")  # fmt: skip
    print(f"{'way':<22}{'median s':>10}{'meters/s':>12}{'x bare':>9}{'x set-based':>13}"
          f"{'backend CPU s':>15}{'x set-based':>13}")  # fmt: skip
    for way in ways:
        median, cpu = statistics.median(times[way]), statistics.median(cpus[way])
        print(
            f"{way:<22}{median:>10.3f}{count / median:>12,.0f}{median / floor:>9.1f}"
            f"{median / writes:>13.2f}{cpu:>15.3f}"
            + (f"{cpu / writes_cpu:>13.2f}" if writes_cpu else f"{'':>13}")
        )


if __name__ == "__main__":
    main()
