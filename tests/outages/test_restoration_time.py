"""Restoration time is when the device came back, not when its last meter's report says so.

Meters below one device regain power together and report it with their own delays and clocks;
a power-up can arrive after its own retransmission (dated minutes later). The outage's
`actual_restoration_time` and every meter's restore time (the customer minutes of IEEE 1366)
follow the evidence of the device's re-energization, through the real ingest endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outages.models import Outage
from outages.reliability import reliability_indices
from tests.ingest.conftest import post
from tests.outages.engine_helpers import at, meter_numbers

pytestmark = pytest.mark.django_db

DP001 = meter_numbers(1, 20)
BACK = at(minutes=40)  # when the transformer was re-energized


def onu(meter: str, kind: str, when, event_id: str) -> dict:
    """An ONU message about one meter (its own ONU id, the meter in associatedMeters)."""
    return {
        "eventId": event_id,
        "type": "ONU_LastGaspAlert" if kind == "lg" else "ONU_PowerRestored",
        "onuId": 9100000 + int(meter[2:]),
        "onuSerial": f"SIM{meter}",
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "associatedMeters": [meter],
    }


def send(client, events: list[dict]) -> None:
    response = post(client, "onu", {"events": events}, batch=True)
    assert response.status_code == 200, response.content


def meter_restore_times(client, event_id: str) -> dict[str, str]:
    response = client.get(f"/api/outages/{event_id}/meters/?page_size=100")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["meter_number"]: row["restored_at"] for row in rows}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_ami_restoration_time_is_the_device_s_not_the_last_report_s(grid, token_client):
    client = token_client("ingest:onu", "read")
    out = DP001[:12]
    send(client, [onu(m, "lg", at(seconds=1 + i * 0.1), f"lg-{m}") for i, m in enumerate(out)])
    (outage,) = Outage.objects.filter(status="detected")
    assert (outage.scope, outage.dp.dp_id) == ("dp", "DP001")

    # Eleven meters report power 2 to 42 s after the transformer came back.
    send(client, [onu(m, "pu", BACK + timedelta(seconds=2 + 4 * i), f"pu-{m}")
                  for i, m in enumerate(out[:11])])  # fmt: skip
    outage.refresh_from_db()
    assert outage.status == "detected"
    # The twelfth meter's power-up (dated BACK + 10 s) is delayed in the head-end; its
    # retransmission, a new message dated three minutes later, arrives first.
    last = out[11]
    send(client, [onu(last, "pu", BACK + timedelta(seconds=190), f"pu-{last}-again")])
    outage.refresh_from_db()
    assert outage.status == "restored"
    took = (outage.actual_restoration_time - BACK).total_seconds()
    # Not the straggler's time (190 s), nor the last prompt report's (42 s): the median report.
    assert 0 < took <= 30, took
    times = meter_restore_times(client, outage.event_id)
    assert times[last] == iso(outage.actual_restoration_time)  # back when its device was
    assert times[out[0]] == iso(BACK + timedelta(seconds=2))  # its own, earlier, report stands

    # The original power-up arrives at last: the meter was on by then.
    send(client, [onu(last, "pu", BACK + timedelta(seconds=10), f"pu-{last}")])
    assert meter_restore_times(client, outage.event_id)[last] == iso(BACK + timedelta(seconds=10))
    outage.refresh_from_db()
    assert outage.status == "restored"

    # Customer minutes: 20 customers (12 reporting, 8 inferred) out for about 40 minutes each,
    # not for 43 (the straggler's three minutes on every inferred customer).
    indices = reliability_indices(at(minutes=-1), at(minutes=120))
    assert indices.customer_interruptions == 20
    assert 20 * 40 < indices.customer_minutes_interrupted <= 20 * 40.5, indices


def test_steps_restored_minutes_apart_end_at_the_last_step(grid, token_client):
    """A partial restoration ten minutes before the rest is a step, not part of the median."""
    client = token_client("ingest:onu", "read")
    out = DP001[:12]
    send(client, [onu(m, "lg", at(seconds=1), f"lg-{m}") for m in out])
    send(client, [onu(m, "pu", BACK - timedelta(minutes=10) + timedelta(seconds=i), f"pu-{m}")
                  for i, m in enumerate(out[:8])])  # fmt: skip
    send(client, [onu(m, "pu", BACK + timedelta(seconds=3 + i), f"pu-{m}")
                  for i, m in enumerate(out[8:])])  # fmt: skip
    (outage,) = Outage.objects.filter(scope="dp")
    assert outage.status == "restored"
    took = (outage.actual_restoration_time - BACK).total_seconds()
    assert 3 <= took <= 6, took
    times = meter_restore_times(client, outage.event_id)
    assert times[out[0]] == iso(BACK - timedelta(minutes=10))


def test_power_up_reported_before_the_scada_restoration_is_back_at_the_breaker_s_time(
    grid, token_client
):
    client = token_client("ingest:onu", "ingest:scada", "read")
    trip = post(client, "scada", {
        "eventType": "MV_AlarmLossOfVoltage", "alarmType": "De-energized",
        "substationId": "SS001", "feederId": "FD001", "timestamp": iso(at(0)),
    })  # fmt: skip
    assert trip.status_code in (200, 201), trip.content
    (outage,) = Outage.objects.filter(status="detected")
    # A meter's power-up dated 20 s after the breaker closed is applied before the SCADA
    # restoration arrives.
    send(client, [onu(DP001[0], "pu", BACK + timedelta(seconds=20), "pu-early")])
    back = post(client, "scada", {
        "eventType": "MV_AlarmRestoration", "alarmType": "Energized",
        "substationId": "SS001", "feederId": "FD001", "timestamp": iso(BACK),
    })  # fmt: skip
    assert back.status_code in (200, 201), back.content
    outage.refresh_from_db()
    assert (outage.status, outage.actual_restoration_time) == ("restored", BACK)
    times = meter_restore_times(client, outage.event_id)
    assert set(times.values()) == {iso(BACK)}, times
