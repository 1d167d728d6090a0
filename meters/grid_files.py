"""The meters app's files of a grid folder: `customers.csv` and `meters.csv`, loaded by
`import_grid` after the network's files (registered at start-up, `MetersConfig.ready`)."""

from __future__ import annotations

from meters.models import MeterType
from topology.grid import Column, GridFile, register_grid_file
from topology.grid import _decimal as decimal


def meter_type(value: str) -> str:
    value = value.strip().lower() or MeterType.SMART
    if value not in MeterType.values:
        raise ValueError(f"unknown meter_type {value!r} (one of {', '.join(MeterType.values)})")
    return value


FILES = [
    GridFile(
        "customers.csv",
        "oms_customers",
        "customer_id",
        [
            Column("customer_id", required=True),
            Column("phone"),
            Column("address"),
            Column("building_id"),
            Column("dp_id"),  # informative only: the meter's DP is the fact
            Column("location_lat", decimal, sql_type="numeric"),
            Column("location_lng", decimal, sql_type="numeric"),
        ],
        """
        INSERT INTO oms_customers AS t
            (customer_id, name, phone, address, building_id, location_lat, location_lng, status,
             created_at, updated_at)
        SELECT customer_id, '', coalesce(phone, ''), coalesce(address, ''),
               coalesce(building_id, ''), location_lat, location_lng, 'active', now(), now()
        FROM grid_stage
        ON CONFLICT (customer_id) DO UPDATE SET
            phone = excluded.phone, address = excluded.address,
            building_id = excluded.building_id, location_lat = excluded.location_lat,
            location_lng = excluded.location_lng, updated_at = now()
        """,
    ),
    GridFile(
        "meters.csv",
        "oms_meters",
        "meter_number",
        [
            Column("meter_number", required=True),
            Column("meter_type", meter_type),
            Column("customer_id"),
            Column("dp_id"),
            Column("location_lat", decimal, sql_type="numeric"),
            Column("location_lng", decimal, sql_type="numeric"),
            Column("building_id"),
            Column("asset_mrid"),
            Column("usage_point_mrid"),
            Column("onu_id"),
            Column("onu_serial_no"),
        ],
        """
        INSERT INTO oms_meters AS t
            (meter_number, meter_type, customer_id, dp_id, feeder_id, substation_id,
             location_lat, location_lng, building_id, asset_mrid, usage_point_mrid, onu_id,
             onu_serial_no, status, power_status, communication_status, created_at, updated_at)
        SELECT s.meter_number, s.meter_type, c.id, d.id, f.id, f.substation_id,
               s.location_lat, s.location_lng,
               coalesce(s.building_id, ''), nullif(s.asset_mrid, ''),
               nullif(s.usage_point_mrid, ''), nullif(s.onu_id, ''), nullif(s.onu_serial_no, ''),
               'active', 'unknown', 'unknown', now(), now()
        FROM grid_stage s
        LEFT JOIN oms_customers c ON c.customer_id = s.customer_id
        LEFT JOIN network_distribution_points d ON d.dp_id = s.dp_id
        LEFT JOIN network_feeders f ON f.id = d.feeder_id
        WHERE (s.customer_id IS NULL OR c.id IS NOT NULL) AND (s.dp_id IS NULL OR d.id IS NOT NULL)
        ON CONFLICT (meter_number) DO UPDATE SET
            meter_type = excluded.meter_type, customer_id = excluded.customer_id,
            dp_id = excluded.dp_id, feeder_id = excluded.feeder_id,
            substation_id = excluded.substation_id, location_lat = excluded.location_lat,
            location_lng = excluded.location_lng, building_id = excluded.building_id,
            asset_mrid = excluded.asset_mrid, usage_point_mrid = excluded.usage_point_mrid,
            onu_id = excluded.onu_id, onu_serial_no = excluded.onu_serial_no, updated_at = now()
        """,
        """
        SELECT s.line, 'customer_id', s.customer_id FROM grid_stage s
        WHERE s.customer_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM oms_customers c WHERE c.customer_id = s.customer_id)
        UNION ALL
        SELECT s.line, 'dp_id', s.dp_id FROM grid_stage s
        WHERE s.dp_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM network_distribution_points d WHERE d.dp_id = s.dp_id)
        """,
    ),
]


def register() -> None:
    for spec in FILES:
        register_grid_file(spec)
