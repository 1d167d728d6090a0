"""Helpers of the prediction tests (CONTRACT §11): grids with devices, last gasps and SCADA
posted through the ingest endpoints, and the outages and meters they leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection

from meters.models import Meter
from outages.models import ACTIVE_STATUSES, Outage
from tests.ingest.conftest import post

SILENT = ("conventional", "prepaid")  # meters without a channel never send a last gasp
# Recent event times: inside the clock-skew limit and never stale.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)


def at(minutes: float = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def meters_of(*, dps=(), device: tuple[str, str] | None = None, reporting: bool = True):
    """Meter numbers of DPs (codes) or of a device (kind, code), those with a channel."""
    meters = Meter.objects.filter(status="active")
    if dps:
        meters = meters.filter(dp__dp_id__in=dps)
    if device:
        ids = device_meter_ids(*device)
        meters = meters.filter(id__in=ids)
    if reporting:
        meters = meters.exclude(meter_type__in=SILENT)
    return sorted(meters.values_list("meter_number", flat=True))


def device_meter_ids(kind: str, code: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topology_device_meter_ids(%s, topology_device_id(%s, %s))", [kind, kind, code]
        )
        return cursor.fetchone()[0]


def dps_of(kind: str, code: str) -> list[str]:
    """The codes of the DPs with meters a device feeds, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT d.dp_id FROM oms_meters m"
            " JOIN network_distribution_points d ON d.id = m.dp_id WHERE m.id = ANY (%s)"
            " ORDER BY d.dp_id",
            [device_meter_ids(kind, code)],
        )
        return [row[0] for row in cursor.fetchall()]


def customers_of(kind: str, code: str) -> int:
    return (
        Meter.objects.filter(id__in=device_meter_ids(kind, code))
        .values("customer_id")
        .distinct()
        .count()
    )


def gasps(client, numbers, minutes: float = 0, *, restored: bool = False, key: str = "g"):
    """One ONU last gasp (or power-restored) per meter, in one batch through the endpoint."""
    kind = "ONU_PowerRestored" if restored else "ONU_LastGaspAlert"
    events = [
        {"eventId": f"{key}-{kind}-{n}", "type": kind, "timestamp": at(minutes),
         "associatedMeters": [n]}
        for n in numbers
    ]  # fmt: skip
    for start in range(0, len(events), 500):
        response = post(client, "onu", {"events": events[start : start + 500]}, batch=True)
        assert response.status_code == 200, response.content[:300]
        assert not response.json()["rejected"], response.json()["rejected"][:3]


def scada(client, feeder: str, substation: str, minutes: float, *, restored: bool = False):
    body = {
        "eventType": "MV_AlarmRestoration" if restored else "MV_AlarmLossOfVoltage",
        "alarmType": "Energized" if restored else "De-energized",
        "substationId": substation,
        "feederId": feeder,
        "timestamp": at(minutes),
    }
    response = post(client, "scada", body)
    assert response.status_code in (200, 201), response.content[:300]
    return response.json()


def active() -> list[Outage]:
    return list(Outage.objects.filter(status__in=ACTIVE_STATUSES).order_by("scope", "id"))


def placed() -> set[tuple[str, str]]:
    """(scope, device code) of the active outages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT scope, topology_device_code(scope, device_id) FROM oms_outage_events"
            " WHERE status = ANY (outages_active_statuses())"
        )
        return set(cursor.fetchall())


def off() -> set[str]:
    return set(Meter.objects.filter(power_status="off").values_list("meter_number", flat=True))


def breaker(client, code: str, minutes: float = 0, *, seconds: float = 0) -> dict:
    """FD001's breaker (SS001) reports a SCADA status code (TRIP, RECLOSE, LOCKOUT, CLOSE, …)
    at T0 plus the given time, through the ingest endpoint."""
    body = {
        "eventType": code,
        "substationId": "SS001",
        "feederId": "FD001",
        "deviceId": "FD001",
        "deviceType": "feeder",
        "timestamp": (T0 + timedelta(minutes=minutes, seconds=seconds)).isoformat(),
    }
    response = post(client, "scada", body)
    assert response.status_code in (200, 201), response.content[:300]
    return response.json()
