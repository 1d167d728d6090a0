"""Small helpers to feed the engine in tests, through the sqlfuncs wrappers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest import sqlfuncs as ingest_sql
from meters.models import Meter
from outages import sqlfuncs
from outages.models import ACTIVE_STATUSES, Outage

T0 = datetime(2025, 10, 1, 6, 15, tzinfo=UTC)


def at(seconds: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(seconds=seconds, minutes=minutes)


def meter_numbers(first: int, last: int) -> list[str]:
    return [f"M4{n:07d}" for n in range(first, last + 1)]


def meter_evidence(numbers, evidence, when, provider="kaifa", key="ev"):
    """One evidence row per meter; each meter's own source event (like one last gasp each)."""
    ids = dict(Meter.objects.filter(meter_number__in=numbers).values_list("meter_number", "id"))
    return sqlfuncs.apply_meter_evidence(
        [
            {
                "meter_id": ids[number],
                "evidence": evidence,
                "event_time": when,
                "provider": provider,
                "source_event_id": f"{key}-{evidence}-{number}",
                "event_type": evidence,
            }
            for number in numbers
        ]
    )


def scada(feeder: str, event_type: str, when: datetime, substation: str = "SS001") -> dict:
    alarm = {"MV_AlarmLossOfVoltage": "De-energized", "MV_AlarmRestoration": "Energized"}
    return ingest_sql.insert_scada_event_with_meter_check(
        {
            "eventType": event_type,
            "alarmType": alarm[event_type],
            "substationId": substation,
            "feederId": feeder,
            "timestamp": when.isoformat(),
        }
    )


def loss_of_voltage(feeder: str, when: datetime, substation: str = "SS001") -> dict:
    return scada(feeder, "MV_AlarmLossOfVoltage", when, substation)


def restoration(feeder: str, when: datetime, substation: str = "SS001") -> dict:
    return scada(feeder, "MV_AlarmRestoration", when, substation)


def active_outages():
    return list(Outage.objects.filter(status__in=ACTIVE_STATUSES).order_by("id"))


def power(numbers) -> dict[str, str]:
    return dict(
        Meter.objects.filter(meter_number__in=numbers).values_list("meter_number", "power_status")
    )
