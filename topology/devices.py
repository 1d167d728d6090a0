"""Read side of the network model: a device by kind and code (any case), what it feeds now
(downstream counts, set-based over a page of devices) and what is above it."""

from __future__ import annotations

import json

from django.db import connection

from topology.models import Device, DeviceKind, DistributionPoint, Feeder, Substation

KINDS = ("substation", "feeder", *DeviceKind.values, "dp")
CODE_FIELDS = {"substation": "substation_id", "feeder": "feeder_id", "dp": "dp_id"}


class DeviceNotFound(Exception):
    pass


def device_queryset(kind: str):
    """The rows of a kind's table (in-line kinds share network_devices) and their code field."""
    if kind == "substation":
        return Substation.objects.all(), "substation_id"
    if kind == "feeder":
        return Feeder.objects.all(), "feeder_id"
    if kind == "dp":
        return DistributionPoint.objects.all(), "dp_id"
    if kind in DeviceKind.values:
        return Device.objects.filter(kind=kind), "code"
    raise DeviceNotFound(f"{kind!r} is not a device kind (one of {', '.join(KINDS)}).")


def find_device(kind: str, code: str, queryset=None):
    """The device of that kind and code: the exact code first, else any case."""
    kind = kind.lower()
    base, code_field = device_queryset(kind)
    if queryset is None:
        queryset = base
    elif kind in DeviceKind.values:
        queryset = queryset.filter(kind=kind)
    device = queryset.filter(**{code_field: code}).first()
    device = device or queryset.filter(**{f"{code_field}__iexact": code}).first()
    if device is None:
        raise DeviceNotFound(f"No {kind} {code}.")
    return device


def downstream_counts(kind: str, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """{device id: (meters, meters off, customers)} of the active meters each device feeds now,
    in one query for all of them, from the sections' counts (kept by the meters app's trigger,
    meters_count_sections), never from the meters: an in-line device feeds the sections whose
    derived path holds it (GIN), a feeder the sections it feeds, a substation its feeders'
    sections (`kind` is "inline", "feeder" or "substation"). A customer with meters in two
    sections is counted in each (no model or grid here has one)."""
    if not ids:
        return {}
    if kind == "feeder":
        sql = """
            SELECT s.feeder_id, sum(s.meters_count), sum(s.meters_off_count),
                   sum(s.customers_count)
              FROM network_sections s
             WHERE s.feeder_id = ANY (%(ids)s::bigint[])
             GROUP BY s.feeder_id
        """
    elif kind == "substation":
        sql = """
            SELECT f.substation_id, sum(s.meters_count), sum(s.meters_off_count),
                   sum(s.customers_count)
              FROM network_feeders f JOIN network_sections s ON s.feeder_id = f.id
             WHERE f.substation_id = ANY (%(ids)s::bigint[])
             GROUP BY f.substation_id
        """
    else:
        # One probe of the GIN index for the whole page (the sections under any of them),
        # then each section's counts go to the devices of its path: a probe per device took
        # three times as long.
        sql = """
            SELECT d.id, sum(s.meters_count), sum(s.meters_off_count), sum(s.customers_count)
              FROM network_sections s, unnest(s.path) AS d(id)
             WHERE s.path && %(ids)s::bigint[] AND d.id = ANY (%(ids)s::bigint[])
             GROUP BY d.id
        """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": list(ids)})
        return {row[0]: tuple(int(value) for value in row[1:]) for row in cursor.fetchall()}


def path_above(kind: str, device_id: int) -> list[dict]:
    """[{kind, code}, …] of the devices above it now, nearest first (topology_path_above)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_path_above(%s, %s)", [kind, device_id])
        value = cursor.fetchone()[0]
    return value if isinstance(value, list) else json.loads(value)
