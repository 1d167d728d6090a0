"""Departures the storm benchmark found on IEEE 123 (issue 11), each reproduced through the
ingest and switching endpoints on the feeder imported as the README says: a transformer of one
meter reported by its customer's call whose meter later reports power back; transformers that
failed before their breaker tripped, before an isolation, or while back-fed through a tie, still
out when the breaker, the isolating switch or the return to normal closes again; and the zone
operators isolate, which counts only the customers still out when the tie back-feeds the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meters.models import Meter
from outages.models import Outage
from tests.conftest import missing
from tests.ingest.conftest import post, power_of
from tests.outages.prediction_helpers import active, device_meter_ids, placed
from tests.topology.test_import_feeder import FEEDERS, import_model

pytestmark = pytest.mark.django_db

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def ieee123():
    if not FEEDERS.is_dir():
        missing(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    import_model("ieee123")


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center")


def onu(client, key: str, meter: str, minutes: float, *, restored: bool = False):
    kind = "ONU_PowerRestored" if restored else "ONU_LastGaspAlert"
    body = {"eventId": key, "type": kind, "timestamp": at(minutes), "associatedMeters": [meter]}
    response = post(client, "onu", body)
    assert response.status_code == 201, response.content[:300]


def call(client, key: str, meter: str, minutes: float):
    body = {
        "ticketId": key,
        "timestamp": at(minutes),
        "customer": {"phone": "+962-7-5550123", "meterNumber": meter, "address": "Street 1"},
        "notes": "No power",
    }
    response = post(client, "call_center", body)
    assert response.status_code in (200, 201), response.content[:300]


def breaker(client, minutes: float, *, closed: bool):
    """The feeder breaker's own SCADA status (it is telemetered): TRIP, then CLOSE."""
    word = "CLOSE" if closed else "TRIP"
    body = {
        "eventType": "MV_DeviceStatus",
        "alarmType": word,
        "eventId": f"scada-sw1-{word}-{minutes}",
        "substationId": "ieee123",
        "feederId": "sw1",
        "timestamp": at(minutes),
    }
    response = post(client, "scada", body)
    assert response.status_code in (200, 201), response.content[:300]


def test_a_one_meter_transformer_reported_by_a_call_is_restored_by_its_power_up(ieee123, ingest):
    # DP 113 feeds one meter (s113a, an ONU): its customer calls, and no last gasp came.
    call(ingest, "TC-113", "s113a", 0)
    assert placed() == {("dp", "113")}
    (outage,) = active()

    onu(ingest, "pu-113", "s113a", 90, restored=True)

    outage.refresh_from_db()
    assert outage.status == "restored", "its only meter reported power back"
    assert outage.actual_restoration_time == T0 + timedelta(minutes=90)
    assert active() == []


def test_a_transformer_out_before_its_breaker_tripped_stays_out_when_it_closes(ieee123, ingest):
    # DP 113 (one meter) and DP 65 (three meters, two with a channel) fail; five minutes
    # later the feeder's breaker trips (its SCADA status, dated when it opened) and then closes
    # again: those transformers are still out, their outages nested below the breaker's.
    onu(ingest, "lg-113", "s113a", 0)
    onu(ingest, "lg-65a", "s65a", 0.5)
    onu(ingest, "lg-65b", "s65b", 0.5)
    assert placed() == {("dp", "113"), ("dp", "65")}

    breaker(ingest, 5, closed=False)
    assert ("feeder", "sw1") in placed()
    breaker(ingest, 20, closed=True)

    assert placed() == {("dp", "113"), ("dp", "65")}
    assert power_of("s113a", "s65a", "s65b", "s1a") == {
        "s113a": "off", "s65a": "off", "s65b": "off", "s1a": "on",
    }  # fmt: skip
    feeder = Outage.objects.get(scope="feeder")
    assert feeder.status == "restored"
    dp113 = Outage.objects.get(scope="dp", status__in=["detected", "confirmed"], dp__dp_id="113")
    assert dp113.first_detected_at == T0

    # Their own power-ups end them.
    onu(ingest, "pu-113", "s113a", 60, restored=True)
    onu(ingest, "pu-65a", "s65a", 61, restored=True)
    onu(ingest, "pu-65b", "s65b", 61, restored=True)
    assert active() == []


def operate(client, code: str, action: str, minutes: float):
    response = client.post(
        f"/api/devices/switch/{code}/operate/",
        {"action": action, "note": "test", "operated_at": at(minutes)},
        format="json",
    )
    assert response.status_code in (200, 201), response.content[:300]


def test_a_transformer_that_fails_while_back_fed_stays_out_through_the_return_to_normal(
    ieee123, token_client
):
    # Sections beyond sw5 are back-fed through the tie sw7; DP 113 there fails; the operators
    # return to normal (open the tie, close sw5): their planned interruption does not repair it.
    client = token_client("ingest:onu", "operate", "read")
    operate(client, "sw5", "open", 0)
    operate(client, "sw7", "close", 2)
    onu(client, "lg-113", "s113a", 10)
    assert placed() == {("dp", "113")}

    operate(client, "sw7", "open", 60)
    operate(client, "sw5", "close", 61)

    assert placed() == {("dp", "113")}
    assert power_of("s113a", "s112a") == {"s113a": "off", "s112a": "on"}
    dp113 = Outage.objects.get(scope="dp", status="detected")
    assert dp113.first_detected_at == T0 + timedelta(minutes=10)


def test_the_isolated_zone_counts_only_the_customers_still_out_when_the_tie_closes(
    ieee123, token_client
):
    # The breaker locks out; the operators open sw4 and sw5 around the faulted zone, the
    # breaker closes, and the tie sw7 back-feeds what lies beyond sw5. The zone between sw4
    # and sw5 is the outage at sw4; the customers beyond sw5 were out for the breaker's outage
    # until the tie closed, and are not counted at sw4.
    client = token_client("ingest:scada", "operate", "read")
    below_sw4 = set(device_meter_ids("switch", "sw4"))
    beyond_sw5 = set(device_meter_ids("switch", "sw5"))
    assert beyond_sw5 and beyond_sw5 < below_sw4
    breaker(client, 0, closed=False)
    operate(client, "sw4", "open", 20)
    operate(client, "sw5", "open", 22)
    breaker(client, 25, closed=True)
    operate(client, "sw7", "close", 27)

    assert placed() == {("switch", "sw4")}
    zone = Outage.objects.get(scope="switch", status="detected")
    linked = set(zone.outage_meters.values_list("meter_id", flat=True))
    assert linked == below_sw4 - beyond_sw5
    assert zone.affected_customers_count == len(below_sw4 - beyond_sw5)
    feeder = Outage.objects.get(scope="feeder")
    back_fed = feeder.outage_meters.filter(meter_id__in=beyond_sw5)
    assert {link.restored_at for link in back_fed} == {T0 + timedelta(minutes=27)}


def test_a_transformer_out_before_the_isolation_stays_its_own_outage(ieee123, token_client):
    # A transformer in the zone the operators isolate (between sw4 and sw5) failed before the
    # breaker locked out: the zone's outage at sw4, carried over when the breaker closes, does
    # not absorb it, and closing sw4 does not end it.
    client = token_client("ingest:scada", "ingest:onu", "operate", "read")
    zone = set(device_meter_ids("switch", "sw4")) - set(device_meter_ids("switch", "sw5"))
    meter = next(
        m
        for m in Meter.objects.filter(id__in=zone, onu_id__gt="").order_by("meter_number")
        if not Meter.objects.filter(dp=m.dp, onu_id__isnull=True).exists()
    )  # a transformer whose meters all report through an ONU
    dp = meter.dp.dp_id
    for each in Meter.objects.filter(dp=meter.dp):
        onu(client, f"lg-{each.meter_number}", each.meter_number, -5)
    assert ("dp", dp) in placed()

    breaker(client, 0, closed=False)
    operate(client, "sw4", "open", 20)
    operate(client, "sw5", "open", 22)
    breaker(client, 25, closed=True)
    assert placed() == {("switch", "sw4"), ("dp", dp)}

    operate(client, "sw4", "close", 90)
    # What lies beyond sw5, still open, stays out at sw5; the transformer stays out at its DP.
    assert placed() == {("dp", dp), ("switch", "sw5")}
    assert power_of(meter.meter_number) == {meter.meter_number: "off"}
