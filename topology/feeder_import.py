"""`import_feeder opendss`: write a FeederModel (topology.feeder_model) to the registry.

One transaction: every table is staged through COPY (topology.grid.stage_rows) and upserted by
one statement that changes only rows that differ, so a re-import of the same model changes
nothing. Elements that left the model are retired (DPs, customers and meters set inactive, their
history kept; devices, lines and the sections nothing uses any more deleted). Then feeding is
derived for the model's feeders (topology_derive_feeding, which takes their locks) and their
meters re-derived.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

from django.db import connection, transaction

from topology.feeder_model import FeederModel
from topology.feeder_ownership import RETIRE, collisions
from topology.grid import stage_rows
from topology.sqlfuncs import analyze_network, derive_feeding, rederive_meters

# The synthetic grid's meter mix (oms/storm/grid.py generate_grid).
KAIFA_SHARE, ONU_SHARE, PREPAID_OF_NO_CHANNEL = 0.45, 0.50, 0.3
TELEMETERED = {"recloser": True, "sectionalizer": True, "switch": False, "fuse": False}


class ImportRefused(Exception):
    """The model cannot be written as it is; nothing was."""


class CollisionError(ImportRefused):
    """Codes of the model that another model (or a CSV grid) already uses."""


CODE_LENGTH = {"substation": 50, "feeder": 50, "dp": 50, "meter": 50, "section": 100,
               "device": 100, "line": 100}  # fmt: skip


def _too_long(fm: FeederModel) -> list[str]:
    codes = {
        "substation": [s["code"] for s in fm.substations],
        "feeder": [f["code"] for f in fm.feeders],
        "dp": [d["code"] for d in fm.dps],
        "meter": [m["code"] for m in fm.meters],
        "section": fm.sections,
        "device": [d["code"] for d in fm.devices],
        "line": [ln["code"] for ln in fm.lines],
    }
    return [
        f"{kind} {code!r} ({len(code)} > {CODE_LENGTH[kind]})"
        for kind, values in codes.items()
        for code in values
        if len(code) > CODE_LENGTH[kind]
    ]


@dataclass
class FeederImportReport:
    model: str
    counts: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)


def _fraction(text: str) -> float:
    return zlib.crc32(text.encode()) / 2**32


def ami_channels(meters: list[dict]) -> dict[str, tuple]:
    """code → (meter_type, asset_mrid, usage_point_mrid, onu_id, onu_serial_no), the same on
    every import: a hash of the code picks the channel; ONUs take two to four meters of one DP."""
    channels, onu_left, onu = {}, {}, {}
    for meter in sorted(meters, key=lambda m: (m["dp"], m["code"])):
        code, dp, r = meter["code"], meter["dp"], _fraction(meter["code"])
        if r < KAIFA_SHARE:
            channels[code] = ("kaifa", f"KFM-{code}", f"UP-{code}", None, None)
        elif r < KAIFA_SHARE + ONU_SHARE:
            if not onu_left.get(dp):
                onu[dp] = f"ONU-{code}"
                onu_left[dp] = 2 + zlib.crc32(onu[dp].encode()) % 3
            onu_left[dp] -= 1
            serial = f"48575443{zlib.crc32(onu[dp].encode()):08X}"
            channels[code] = ("smart", None, None, onu[dp], serial)
        else:
            no_channel = 1 - KAIFA_SHARE - ONU_SHARE
            prepaid = r >= 1 - no_channel * PREPAID_OF_NO_CHANNEL
            channels[code] = ("prepaid" if prepaid else "conventional", None, None, None, None)
    return channels


def prefixed(fm: FeederModel, prefix: str) -> FeederModel:
    """The same model with every code prefixed (two models whose element names collide)."""
    if not prefix:
        return fm

    def p(code):
        return f"{prefix}{code}" if code is not None else None

    out = FeederModel(circuit=fm.circuit, warnings=fm.warnings)
    out.substations = [{**s, "code": p(s["code"])} for s in fm.substations]
    out.feeders = [
        {
            **f,
            "code": p(f["code"]),
            "substation": p(f["substation"]),
            "head_section": p(f["head_section"]),
        }
        for f in fm.feeders
    ]
    out.sections = [p(s) for s in fm.sections]
    out.devices = [
        {**d, "code": p(d["code"]), "section_a": p(d["section_a"]), "section_b": p(d["section_b"])}
        for d in fm.devices
    ]
    out.dps = [
        {**d, "code": p(d["code"]), "section": p(d["section"]), "feeder": p(d["feeder"])}
        for d in fm.dps
    ]
    out.meters = [{**m, "code": p(m["code"]), "dp": p(m["dp"])} for m in fm.meters]
    out.lines = [{**ln, "code": p(ln["code"]), "section": p(ln["section"])} for ln in fm.lines]
    return out


def _distinct(table_alias: str, columns: list[str]) -> str:
    """`WHERE (t.a, …) IS DISTINCT FROM (excluded.a, …)`: an unchanged row is not rewritten."""
    ours = ", ".join(f"{table_alias}.{c}" for c in columns)
    theirs = ", ".join(f"excluded.{c}" for c in columns)
    return f"WHERE ({ours}) IS DISTINCT FROM ({theirs})"


def _set(columns: list[str]) -> str:
    return ", ".join(f"{c} = excluded.{c}" for c in columns) + ", updated_at = now()"


SUB_COLS = ["name", "location_lat", "location_lng", "voltage_level", "status", "feeder_model"]
FEEDER_COLS = [
    "name",
    "substation_id",
    "location_lat",
    "location_lng",
    "status",
    "head_section_id",
    "normal_state",
]
DEVICE_COLS = [
    "name",
    "normal_state",
    "location_lat",
    "location_lng",
    "section_a_id",
    "section_b_id",
]
DP_COLS = ["name", "section_id", "location_lat", "location_lng", "status"]
CUSTOMER_COLS = ["location_lat", "location_lng", "status"]
METER_COLS = [
    "meter_type",
    "customer_id",
    "dp_id",
    "location_lat",
    "location_lng",
    "asset_mrid",
    "usage_point_mrid",
    "onu_id",
    "onu_serial_no",
    "status",
]


def _upsert(cursor, fm: FeederModel, model_code: str) -> dict[str, int]:
    counts = {}
    stage_rows(
        cursor,
        "fi_substations",
        ["code", "name", "voltage", "lat", "lng"],
        ["text", "text", "text", "numeric", "numeric"],
        [
            (s["code"], s["name"], f"{s['voltage']} kV" if s["voltage"] else "", s["lat"], s["lng"])
            for s in fm.substations
        ],
    )
    cursor.execute(
        f"""
        INSERT INTO network_substations AS t
            (substation_id, name, location_lat, location_lng, region_code, voltage_level, status,
             feeder_model, created_at, updated_at)
        SELECT code, name, lat, lng, '', voltage, 'active', %s, now(), now() FROM fi_substations
        ON CONFLICT (substation_id) DO UPDATE SET {_set(SUB_COLS)} {_distinct("t", SUB_COLS)}
        """,
        [model_code],
    )
    counts["substations"] = len(fm.substations)

    stage_rows(cursor, "fi_sections", ["code"], ["text"], [(c,) for c in fm.sections])
    cursor.execute(
        """
        INSERT INTO network_sections (code, created_at, updated_at)
        SELECT code, now(), now() FROM fi_sections ON CONFLICT (code) DO NOTHING
        """
    )
    counts["sections"] = len(fm.sections)

    stage_rows(
        cursor,
        "fi_feeders",
        ["code", "name", "substation", "head", "lat", "lng"],
        ["text", "text", "text", "text", "numeric", "numeric"],
        [
            (f["code"], f["name"], f["substation"], f["head_section"], f["lat"], f["lng"])
            for f in fm.feeders
        ],
    )
    # A new feeder starts as designed; a re-import keeps the state operators switched it to.
    cursor.execute(
        f"""
        INSERT INTO network_feeders AS t
            (feeder_id, name, substation_id, location_lat, location_lng, status, head_section_id,
             normal_state, state, telemetered, created_at, updated_at)
        SELECT s.code, s.name, p.id, s.lat, s.lng, 'active', c.id, 'closed', 'closed', true,
               now(), now()
          FROM fi_feeders s
          JOIN network_substations p ON p.substation_id = s.substation
          JOIN network_sections c ON c.code = s.head
        ON CONFLICT (feeder_id) DO UPDATE SET {_set(FEEDER_COLS)} {_distinct("t", FEEDER_COLS)}
        """
    )
    counts["feeders"] = len(fm.feeders)

    stage_rows(
        cursor,
        "fi_devices",
        ["kind", "code", "name", "state", "telemetered", "lat", "lng", "a", "b"],
        ["text", "text", "text", "text", "boolean", "numeric", "numeric", "text", "text"],
        [
            (
                d["kind"],
                d["code"],
                f"{d['source']} {d['line']}",
                d["state"],
                TELEMETERED[d["kind"]],
                d["lat"],
                d["lng"],
                d["section_a"],
                d["section_b"],
            )
            for d in fm.devices
        ],
    )
    cursor.execute(
        f"""
        INSERT INTO network_devices AS t
            (kind, code, name, normal_state, state, telemetered, location_lat, location_lng,
             section_a_id, section_b_id, energized, created_at, updated_at)
        SELECT s.kind, s.code, s.name, s.state, s.state, s.telemetered, s.lat, s.lng, a.id, b.id,
               false, now(), now()
          FROM fi_devices s
          JOIN network_sections a ON a.code = s.a
          JOIN network_sections b ON b.code = s.b
        ON CONFLICT (kind, code) DO UPDATE SET {_set(DEVICE_COLS)} {_distinct("t", DEVICE_COLS)}
        """
    )
    counts["devices"] = len(fm.devices)

    stage_rows(
        cursor,
        "fi_dps",
        ["code", "name", "section", "feeder", "lat", "lng"],
        ["text", "text", "text", "text", "numeric", "numeric"],
        [(d["code"], d["name"], d["section"], d["feeder"], d["lat"], d["lng"]) for d in fm.dps],
    )
    # feeder_id is derived from the section (topology_derive_feeding); a new DP starts under
    # the feeder whose normal walk reaches it.
    cursor.execute(
        f"""
        INSERT INTO network_distribution_points AS t
            (dp_id, name, feeder_id, section_id, location_lat, location_lng, building_id, status,
             created_at, updated_at)
        SELECT s.code, s.name, f.id, c.id, s.lat, s.lng, '', 'active', now(), now()
          FROM fi_dps s
          JOIN network_feeders f ON f.feeder_id = s.feeder
          JOIN network_sections c ON c.code = s.section
        ON CONFLICT (dp_id) DO UPDATE SET {_set(DP_COLS)} {_distinct("t", DP_COLS)}
        """
    )
    counts["distribution points"] = len(fm.dps)

    channels = ami_channels(fm.meters)
    stage_rows(
        cursor,
        "fi_meters",
        ["code", "dp", "lat", "lng", "meter_type", "asset", "usage_point", "onu", "serial"],
        ["text", "text", "numeric", "numeric", "text", "text", "text", "text", "text"],
        [(m["code"], m["dp"], m["lat"], m["lng"], *channels[m["code"]]) for m in fm.meters],
    )
    cursor.execute(
        f"""
        INSERT INTO oms_customers AS t
            (customer_id, name, phone, address, building_id, location_lat, location_lng, status,
             created_at, updated_at)
        SELECT code, code, '', '', '', lat, lng, 'active', now(), now() FROM fi_meters
        ON CONFLICT (customer_id) DO UPDATE SET {_set(CUSTOMER_COLS)}
            {_distinct("t", CUSTOMER_COLS)}
        """
    )
    cursor.execute(
        f"""
        INSERT INTO oms_meters AS t
            (meter_number, meter_type, customer_id, dp_id, feeder_id, substation_id,
             location_lat, location_lng, building_id, asset_mrid, usage_point_mrid, onu_id,
             onu_serial_no, status, power_status, communication_status, created_at, updated_at)
        SELECT s.code, s.meter_type, c.id, d.id, d.feeder_id, f.substation_id, s.lat, s.lng, '',
               s.asset, s.usage_point, s.onu, s.serial, 'active', 'unknown', 'unknown',
               now(), now()
          FROM fi_meters s
          JOIN oms_customers c ON c.customer_id = s.code
          JOIN network_distribution_points d ON d.dp_id = s.dp
          JOIN network_feeders f ON f.id = d.feeder_id
        ON CONFLICT (meter_number) DO UPDATE SET {_set(METER_COLS)} {_distinct("t", METER_COLS)}
        """
    )
    counts["meters"] = counts["customers"] = len(fm.meters)

    stage_rows(
        cursor,
        "fi_lines",
        ["code", "section", "coordinates"],
        ["text", "text", "jsonb"],
        [(ln["code"], ln["section"], json.dumps(ln["coordinates"])) for ln in fm.lines],
    )
    cursor.execute(
        """
        INSERT INTO network_lines AS t (code, section_id, coordinates)
        SELECT s.code, c.id, s.coordinates
          FROM fi_lines s JOIN network_sections c ON c.code = s.section
        ON CONFLICT (code) DO UPDATE SET
            section_id = excluded.section_id, coordinates = excluded.coordinates
        WHERE (t.section_id, t.coordinates)
              IS DISTINCT FROM (excluded.section_id, excluded.coordinates)
        """
    )
    counts["lines"] = len(fm.lines)
    return counts


def import_feeder_model(fm: FeederModel, model_code: str, progress=lambda m: None):
    """Write `fm` (codes already prefixed) as model `model_code` in one transaction."""
    report = FeederImportReport(model=model_code)
    too_long = _too_long(fm)
    if too_long:
        shown = ", ".join(too_long[:5]) + (", …" if len(too_long) > 5 else "")
        raise ImportRefused(f"{len(too_long)} code(s) too long: {shown}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM network_feeders f WHERE f.substation_id IN"
            " (SELECT id FROM network_substations WHERE feeder_model = %s)",
            [model_code],
        )
        before = [row[0] for row in cursor.fetchall()]
        # The one lock order: the network lock (exclusive: meters may change feeder), then
        # the feeders this import rewrites; topology_derive_feeding takes them again.
        cursor.execute("SELECT topology_lock_network()")
        cursor.execute("SELECT topology_lock_feeders(%s::bigint[])", [before])
        taken = collisions(cursor, model_code, fm)
        if taken:
            raise CollisionError(
                f"codes of model {model_code} already used by another model or grid: "
                f"{'; '.join(taken)}. Import it with --prefix."
            )
        report.counts = _upsert(cursor, fm, model_code)
        progress("written: " + ", ".join(f"{v:,} {k}" for k, v in report.counts.items()))
        for what, sql in RETIRE.items():
            cursor.execute(sql, {"model": model_code})
            if cursor.rowcount:
                report.retired[what] = cursor.rowcount
        if report.retired:
            progress("retired: " + ", ".join(f"{v:,} {k}" for k, v in report.retired.items()))
        cursor.execute(
            "SELECT f.id FROM network_feeders f JOIN network_substations s"
            " ON s.id = f.substation_id WHERE s.feeder_model = %s",
            [model_code],
        )
        feeders = sorted({row[0] for row in cursor.fetchall()} | set(before))
        derive_feeding(feeders)
        rederive_meters([], feeder_ids=feeders)
        analyze_network()
    progress(f"feeding derived for {len(feeders)} feeder(s)")
    return report
