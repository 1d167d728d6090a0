"""Grid import: the CSVs of a grid folder, upserted set-based through COPY.

The network's files are here; the meters app registers its own (customers, meters) at start-up
(`register_grid_file`), so topology knows nothing of meters.

Each file is validated row by row in Python (a bad row is reported with its file and line and
skipped), the good rows are COPYed into a staging table, and one INSERT … ON CONFLICT per file
upserts them, resolving parent codes by join. Rows whose parent code is unknown are reported too.
Re-running an import updates rows in place; it never duplicates them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction

from topology.models import DeviceKind, SwitchState
from topology.sqlfuncs import analyze_network, derive_feeding, refresh_meter_mappings

PROGRESS_EVERY = 100_000


def _text(value: str) -> str:
    return value.strip()


def _decimal(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    return value


def _integer(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if not value.lstrip("-").isdigit():
        raise ValueError(f"not an integer: {value!r}")
    return value


def _boolean(value: str) -> str | None:
    value = value.strip().lower()
    if not value:
        return None
    if value not in {"true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"}:
        raise ValueError(f"not true or false: {value!r}")
    return value


def _device_kind(value: str) -> str:
    value = value.strip().lower()
    if value not in DeviceKind.values:
        raise ValueError(f"unknown kind {value!r} (one of {', '.join(DeviceKind.values)})")
    return value


def _parent_kind(value: str) -> str | None:
    value = value.strip().lower()
    if value and value != "feeder" and value not in DeviceKind.values:
        kinds = ", ".join(["feeder", *DeviceKind.values])
        raise ValueError(f"unknown kind {value!r} (one of {kinds})")
    return value or None


def _switch_state(value: str) -> str | None:
    value = value.strip().lower()
    if value and value not in SwitchState.values:
        raise ValueError(f"{value!r} is not closed or open")
    return value or None


@dataclass
class Column:
    name: str
    parse: Callable[[str], str | None] = _text
    required: bool = False
    sql_type: str = "text"


@dataclass
class GridFile:
    filename: str
    table: str
    key: str
    columns: list[Column]
    upsert_sql: str  # reads the staging table `grid_stage`
    unresolved_sql: str = ""  # lines whose parent code is unknown
    prepare_sql: str = ""  # run after staging, before the checks (e.g. resolving parents)


FILES = [
    GridFile(
        "substations.csv",
        "network_substations",
        "substation_id",
        [
            Column("substation_id", required=True),
            Column("name", required=True),
            Column("location_lat", _decimal, sql_type="numeric"),
            Column("location_lng", _decimal, sql_type="numeric"),
            Column("region_code"),
            Column("voltage_level"),
        ],
        """
        INSERT INTO network_substations AS t
            (substation_id, name, location_lat, location_lng, region_code, voltage_level, status,
             created_at, updated_at)
        SELECT substation_id, name, location_lat, location_lng, coalesce(region_code, ''),
               coalesce(voltage_level, ''), 'active', now(), now()
        FROM grid_stage
        ON CONFLICT (substation_id) DO UPDATE SET
            name = excluded.name, location_lat = excluded.location_lat,
            location_lng = excluded.location_lng, region_code = excluded.region_code,
            voltage_level = excluded.voltage_level, updated_at = now()
        """,
    ),
    GridFile(
        "feeders.csv",
        "network_feeders",
        "feeder_id",
        [
            Column("feeder_id", required=True),
            Column("substation_id", required=True),
            Column("name", required=True),
            Column("location_lat", _decimal, sql_type="numeric"),
            Column("location_lng", _decimal, sql_type="numeric"),
            Column("capacity_kva", _integer, sql_type="integer"),
            Column("telemetered", _boolean, sql_type="boolean"),
        ],
        """
        INSERT INTO network_feeders AS t
            (feeder_id, name, substation_id, location_lat, location_lng, capacity_kva, status,
             telemetered, created_at, updated_at)
        SELECT s.feeder_id, s.name, p.id, s.location_lat, s.location_lng, s.capacity_kva,
               'active', coalesce(s.telemetered, true), now(), now()
        FROM grid_stage s JOIN network_substations p ON p.substation_id = s.substation_id
        ON CONFLICT (feeder_id) DO UPDATE SET
            name = excluded.name, substation_id = excluded.substation_id,
            location_lat = excluded.location_lat, location_lng = excluded.location_lng,
            capacity_kva = excluded.capacity_kva, telemetered = excluded.telemetered,
            updated_at = now()
        """,
        """
        SELECT s.line, 'substation_id', s.substation_id FROM grid_stage s
        WHERE NOT EXISTS (SELECT 1 FROM network_substations p
                          WHERE p.substation_id = s.substation_id)
        """,
    ),
    GridFile(
        "devices.csv",
        "network_devices",
        "kind, code",
        [
            Column("kind", _device_kind, required=True),
            Column("code", required=True),
            Column("name"),
            Column("parent_kind", _parent_kind, required=True),
            Column("parent_code", required=True),
            Column("normal_state", _switch_state),
            Column("telemetered", _boolean, sql_type="boolean"),
            Column("location_lat", _decimal, sql_type="numeric"),
            Column("location_lng", _decimal, sql_type="numeric"),
            # A tie: the feeder or device on its other side (else a new section below it).
            Column("to_kind", _parent_kind),
            Column("to_code"),
        ],
        """
        INSERT INTO network_devices AS t
            (kind, code, name, normal_state, state, telemetered, location_lat, location_lng,
             section_a_id, section_b_id, created_at, updated_at)
        SELECT s.kind, s.code, coalesce(s.name, ''), coalesce(s.normal_state, 'closed'),
               coalesce(s.normal_state, 'closed'), coalesce(s.telemetered, false),
               s.location_lat, s.location_lng, s.section_a, s.section_b, now(), now()
          FROM devices_resolved s
         WHERE s.section_a IS NOT NULL AND s.section_b IS NOT NULL
        -- the state as operated stays what switching made it
        ON CONFLICT (kind, code) DO UPDATE SET
            name = excluded.name, normal_state = excluded.normal_state,
            telemetered = excluded.telemetered, location_lat = excluded.location_lat,
            location_lng = excluded.location_lng, section_a_id = excluded.section_a_id,
            section_b_id = excluded.section_b_id, updated_at = now()
        """,
        """
        SELECT s.line, 'parent_code', s.parent_code FROM devices_resolved s
         WHERE s.section_a IS NULL
        UNION ALL
        SELECT s.line, 'to_code', s.to_code FROM devices_resolved s
         WHERE s.section_a IS NOT NULL AND s.section_b IS NULL
        """,
        # One new section below each device that does not tie to another's; parents resolved
        # after every device of the file has its section (a parent may come later in the file).
        """
        INSERT INTO network_sections (code, created_at, updated_at)
        SELECT s.kind || ':' || s.code, now(), now() FROM grid_stage s WHERE s.to_kind IS NULL
        ON CONFLICT (code) DO NOTHING;
        DROP TABLE IF EXISTS devices_resolved;
        CREATE TEMP TABLE devices_resolved ON COMMIT DROP AS
        SELECT s.*, topology_section_below(s.parent_kind, s.parent_code) AS section_a,
               CASE WHEN s.to_kind IS NULL
                    THEN (SELECT b.id FROM network_sections b
                           WHERE b.code = s.kind || ':' || s.code)
                    ELSE topology_section_below(s.to_kind, s.to_code) END AS section_b
          FROM grid_stage s;
        """,
    ),
    GridFile(
        "distribution_points.csv",
        "network_distribution_points",
        "dp_id",
        [
            Column("dp_id", required=True),
            Column("feeder_id", required=True),
            Column("name", required=True),
            Column("location_lat", _decimal, sql_type="numeric"),
            Column("location_lng", _decimal, sql_type="numeric"),
            Column("building_id"),
            # The device it hangs below (else its feeder's head section).
            Column("parent_kind", _parent_kind),
            Column("parent_code"),
        ],
        """
        INSERT INTO network_distribution_points AS t
            (dp_id, name, feeder_id, section_id, location_lat, location_lng, building_id, status,
             created_at, updated_at)
        SELECT s.dp_id, s.name, p.id, x.section_id, s.location_lat, s.location_lng,
               coalesce(s.building_id, ''), 'active', now(), now()
        FROM grid_stage s JOIN network_feeders p ON p.feeder_id = s.feeder_id
        CROSS JOIN LATERAL (
            SELECT topology_section_below(s.parent_kind, s.parent_code) AS section_id) x
        WHERE s.parent_kind IS NULL OR x.section_id IS NOT NULL
        ON CONFLICT (dp_id) DO UPDATE SET
            name = excluded.name, feeder_id = excluded.feeder_id,
            -- without a parent: placed again on its feeder's head by topology_derive_feeding
            section_id = excluded.section_id,
            location_lat = excluded.location_lat, location_lng = excluded.location_lng,
            building_id = excluded.building_id, updated_at = now()
        """,
        """
        SELECT s.line, 'feeder_id', s.feeder_id FROM grid_stage s
        WHERE NOT EXISTS (SELECT 1 FROM network_feeders p WHERE p.feeder_id = s.feeder_id)
        UNION ALL
        SELECT s.line, 'parent_code', s.parent_code FROM grid_stage s
        WHERE s.parent_kind IS NOT NULL
          AND topology_section_below(s.parent_kind, s.parent_code) IS NULL
        """,
    ),
]


def register_grid_file(spec: GridFile) -> None:
    """Add a file that another app imports with the grid (the meters app: customers, meters),
    loaded after the network's files, in registration order. Registering again replaces it."""
    FILES[:] = [f for f in FILES if f.filename != spec.filename] + [spec]


@dataclass
class ImportReport:
    loaded: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _read_rows(path: Path, spec: GridFile, report: ImportReport, progress):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c.name for c in spec.columns if c.required and c.name not in (reader.fieldnames or [])
        ]
        if missing:
            report.errors.append(f"{path.name}:1: missing column(s) {', '.join(missing)}")
            return
        for count, row in enumerate(reader, start=1):
            line = reader.line_num
            if count % PROGRESS_EVERY == 0:
                progress(f"{path.name}: {count:,} rows read")
            try:
                values = []
                for column in spec.columns:
                    raw = row.get(column.name) or ""
                    if column.required and not raw.strip():
                        raise ValueError(f"{column.name} is required")
                    try:
                        value = column.parse(raw)
                    except ValueError as exc:
                        raise ValueError(f"{column.name}: {exc}") from exc
                    values.append(value if value != "" else None)
            except ValueError as exc:
                report.errors.append(f"{path.name}:{line}: {exc}")
                continue
            yield (line, *values)


def stage_rows(cursor, table: str, names: list[str], sql_types: list[str], rows) -> None:
    """(Re)create the temporary table `table` (dropped at commit) and COPY `rows` into it."""
    column_defs = ", ".join(f"{n} {t}" for n, t in zip(names, sql_types, strict=True))
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMP TABLE {table} ({column_defs}) ON COMMIT DROP")
    with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for record in rows:
            copy.write_row(record)


def _load_file(path: Path, spec: GridFile, report: ImportReport, progress) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS grid_stage")
        stage_rows(
            cursor,
            "grid_stage_raw",
            ["line", *(c.name for c in spec.columns)],
            ["integer", *(c.sql_type for c in spec.columns)],
            _read_rows(path, spec, report, progress),
        )
        # A code repeated in one file: the last line wins.
        cursor.execute(
            f"CREATE TEMP TABLE grid_stage ON COMMIT DROP AS "
            f"SELECT DISTINCT ON ({spec.key}) * FROM grid_stage_raw ORDER BY {spec.key}, line DESC"
        )
        if spec.prepare_sql:
            cursor.execute(spec.prepare_sql)
        if spec.unresolved_sql:
            cursor.execute(spec.unresolved_sql + " ORDER BY 1")
            for line, column, code in cursor.fetchall():
                report.errors.append(
                    f"{path.name}:{line}: {column} {code!r} is not in the registry"
                )
        cursor.execute(spec.upsert_sql)
        report.loaded[path.name] = cursor.rowcount
    progress(f"{path.name}: {report.loaded[path.name]:,} rows loaded")


def import_grid(directory: str | Path, progress=lambda message: None) -> ImportReport:
    """Upsert the grid CSVs found in `directory` (missing files are skipped) in one transaction."""
    directory = Path(directory)
    report = ImportReport()
    with transaction.atomic():
        for spec in FILES:
            path = directory / spec.filename
            if path.exists():
                if spec.filename == "devices.csv":
                    derive_feeding(None)  # every feeder has its head section to hang devices on
                _load_file(path, spec, report, progress)
        derive_feeding(None)
        mapped = refresh_meter_mappings()
        progress(f"meter mappings refreshed: {mapped:,} meters")
        analyze_network()
    return report
