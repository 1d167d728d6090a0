"""The Python wrappers of topology's SQL functions (topology/sql/*.sql)."""

from django.db import connection


def refresh_meter_mappings() -> int:
    """Derive every meter's feeder/substation and the seed's mapping tables from the DP
    hierarchy (topology_refresh_meter_mappings)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_refresh_meter_mappings()")
        return cursor.fetchone()[0]


def rederive_meters(
    meter_ids: list[int] | None, *, dp_ids: list[int] = (), feeder_ids: list[int] = ()
) -> int:
    """The same derivation (topology_rederive_meters) for the given meters, the meters of the
    given DPs and those of the given feeders' DPs; for every meter with `meter_ids=None`.
    Returns the number of meters re-derived (0 when none is named)."""
    if meter_ids is None:
        arguments, sql = [], "SELECT topology_rederive_meters(NULL)"
    elif not (meter_ids or dp_ids or feeder_ids):
        return 0
    else:
        arguments = [list(meter_ids), list(dp_ids), list(feeder_ids)]
        sql = """
            SELECT topology_rederive_meters(ARRAY(
                SELECT m.id FROM oms_meters m
                 WHERE m.id = ANY (%s::bigint[]) OR m.dp_id = ANY (%s::bigint[])
                    OR m.dp_id IN (SELECT d.id FROM network_distribution_points d
                                    WHERE d.feeder_id = ANY (%s::bigint[]))
                 ORDER BY m.id))
            """
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        return cursor.fetchone()[0]


def derive_feeding(feeder_ids: list[int] | None) -> dict[int, bool]:
    """Derive what the given feeders (None: every feeder) feed from the devices' states
    (topology_derive_feeding). Returns {section id: energized} for the sections whose
    energization changed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM topology_derive_feeding(%s::bigint[])", [feeder_ids])
        return dict(cursor.fetchall())


NETWORK_TABLES = (
    "network_substations",
    "network_feeders",
    "network_devices",
    "network_sections",
    "network_distribution_points",
    "network_lines",
    "oms_customers",
    "oms_meters",
)


def analyze_network() -> None:
    """Planner statistics for the network just written (an import's last step, inside its
    transaction: ANALYZE sees the transaction's own rows), so the engine's joins over these
    tables are not planned on what they held before the import until autovacuum comes by. It
    did not cure the slow PostgreSQL 16 plans of the full test suite (tests/conftest.py). The
    meters' power state keeps no statistics (meters 0013), so none are gathered for it."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(NETWORK_TABLES))


def lock_network() -> None:
    """The network lock, exclusive, until the transaction ends (topology_lock_network)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_lock_network()")
