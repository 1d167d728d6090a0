"""Customer calls as evidence (CONTRACT §5, §11), through the ingest endpoints, on the synthetic
grid with devices: calls from several customers of one transformer, or of several transformers
below one fuse, within the window are evidence for that device; a call from a customer already
in an outage joins it; a lone call stays its meter's outage. The case the storm benchmark found:
a fuse that blew with the breaker above it stays out when the breaker closes (its last gasps
were sent at the trip, so nothing but its customers' calls says so)."""

from __future__ import annotations

import pytest

from meters.models import Meter
from oms.storm import generate_grid
from outages.models import Outage
from tests.ingest.conftest import post
from tests.outages.prediction_helpers import (
    active,
    at,
    breaker,
    customers_of,
    dps_of,
    gasps,
    meters_of,
    off,
    placed,
)
from topology.grid import import_grid

pytestmark = pytest.mark.django_db
# 20 DPs of 10 meters a feeder (oms.storm.grid.FeederLayout; two calls are far from half a DP's
# meters): below the head switch DP001-002 and fuses
# FU-1 (DP003-006) and FU-2 (DP007-010); below the recloser DP011 and FU-3; below the
# sectionalizer DP016 and FU-4.
FUSE_2 = ["DP007", "DP008", "DP009", "DP010"]


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center")


@pytest.fixture
def grid(tmp_path):
    generate_grid(tmp_path, 1, 2, 20, 10, seed=3, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:3]
    assert dps_of("fuse", "FU-FD001-2") == FUSE_2
    Meter.objects.update(power_status="on")


def call(client, meter: str, minutes: float, key: str | None = None) -> dict:
    body = {
        "ticketId": key or f"TC-{meter}-{minutes}",
        "timestamp": at(minutes),
        "customer": {"phone": "+962-7-5550123", "meterNumber": meter, "address": "Street 1"},
        "notes": "No power",
    }
    response = post(client, "call_center", body)
    assert response.status_code in (200, 201), response.content[:300]
    return response.json()


def customers(dp: str) -> list[str]:
    """One meter of each customer of a DP."""
    seen, out = set(), []
    for meter in Meter.objects.filter(dp__dp_id=dp).order_by("meter_number"):
        if meter.customer_id not in seen:
            seen.add(meter.customer_id)
            out.append(meter.meter_number)
    return out


def test_two_customers_of_one_transformer_calling_are_a_transformer_outage(grid, ingest):
    first, second = customers("DP003")[:2]
    call(ingest, first, 0)
    assert placed() == {("meter", first)}  # a lone call stays its meter's outage

    call(ingest, second, 4)

    assert placed() == {("dp", "DP003")}
    (outage,) = active()
    assert outage.affected_customers_count == customers_of("dp", "DP003")
    assert off() == set(meters_of(dps=["DP003"], reporting=False))
    assert set(outage.sources.values_list("source_type", flat=True)) == {"call_center"}


def test_calls_from_customers_of_different_laterals_stay_their_meters_outages(grid, ingest):
    one, other = customers("DP003")[0], customers("DP007")[0]
    call(ingest, one, 0)
    call(ingest, other, 2)
    assert placed() == {("meter", one), ("meter", other)}
    # Calls far apart in time are not one cluster either.
    later = customers("DP003")[1]
    call(ingest, later, 25)
    assert ("dp", "DP003") not in placed()


def test_a_call_from_a_customer_below_a_standing_outage_joins_it(grid, ingest):
    gasps(ingest, meters_of(device=("fuse", "FU-FD001-2")), 0)
    assert placed() == {("fuse", "FU-FD001-2")}
    (fuse,) = active()
    silent = Meter.objects.filter(dp__dp_id="DP008", meter_type__in=("conventional", "prepaid"))
    caller = (silent.first() or Meter.objects.filter(dp__dp_id="DP008").first()).meter_number

    answer = call(ingest, caller, 5)

    assert answer["outage_event_id"] == fuse.event_id
    assert placed() == {("fuse", "FU-FD001-2")}
    assert fuse.sources.filter(source_type="call_center").count() == 1


def test_a_fuse_still_out_when_the_breaker_closes_is_found_by_its_customers_calls(grid, ingest):
    feeder_meters = meters_of(device=("feeder", "FD001"))
    fuse_meters = set(meters_of(device=("fuse", "FU-FD001-2")))
    # The breaker trips and locks out; every meter gasps. The fault was below FU-FD001-2,
    # which blew too.
    breaker(ingest, "TRIP", 0)
    breaker(ingest, "LOCKOUT", 0.1)
    gasps(ingest, feeder_meters, 0.05)
    assert placed() == {("feeder", "FD001")}

    # Repaired upstream, the breaker closes: all but the fuse's meters report power.
    breaker(ingest, "CLOSE", 10)
    gasps(ingest, [m for m in feeder_meters if m not in fuse_meters], 10.5, restored=True)
    assert active() == []  # nothing but the calls can tell the fuse stayed open

    # Customers of two of its four transformers call (meters with a channel: their power-ups
    # end it).
    call(ingest, meters_of(dps=["DP007"])[0], 14)
    call(ingest, meters_of(dps=["DP009"])[0], 17)

    assert placed() == {("fuse", "FU-FD001-2")}
    (fuse,) = active()
    assert fuse.affected_customers_count == customers_of("fuse", "FU-FD001-2")
    assert off() == set(meters_of(device=("fuse", "FU-FD001-2"), reporting=False))
    assert Outage.objects.filter(scope="meter").exclude(status="merged").count() == 0

    # Once re-fused, its meters report power: it is restored.
    gasps(ingest, sorted(fuse_meters), 28, restored=True, key="refused")
    fuse.refresh_from_db()
    assert fuse.status == "restored" and active() == []
