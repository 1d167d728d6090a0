"""The Python wrappers of topology's SQL functions (topology/sql/*.sql)."""

from django.db import connection


def refresh_meter_mappings() -> int:
    """Derive every meter's feeder/substation and the seed's mapping tables from the DP
    hierarchy (topology_refresh_meter_mappings)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_refresh_meter_mappings()")
        return cursor.fetchone()[0]


def rederive_meters(meter_ids: list[int] | None) -> int:
    """The same derivation for the given meters only, or for all with None
    (topology_rederive_meters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_rederive_meters(%s::bigint[])", [meter_ids])
        return cursor.fetchone()[0]


def meters_fed_from(scope: str, code: str) -> list[dict]:
    """The active meters fed from a device (topology_meters_fed_from), as dicts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM topology_meters_fed_from(%s, %s)", [scope, code])
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
