"""The restoration check (CONTRACT §11): a fault that begins while its meters are dark (below a
tripped breaker) sends no last gasp, and the breaker's closing sets every meter it feeds on by
inference. Meters of one fuse or one transformer that then send no power-up while the others
below the breaker do are a nested outage once restoration_check_seconds (600) have passed; a
single silent meter, or a transformer of one meter, is a lost power-up and no outage. A
power-up that arrives later restores as usual. Through the ingest endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meters.models import Meter, MeterStatusEvent
from oms.storm import generate_grid
from outages import sqlfuncs
from tests.outages.prediction_helpers import (
    T0,
    active,
    breaker,
    gasps,
    meters_of,
    off,
    placed,
)
from topology.grid import import_grid

pytestmark = pytest.mark.django_db
FUSE = ("fuse", "FU-FD001-1")  # a lateral below FD001's head switch
FD002_METER_DP = "DP041"
CLOSED = 10  # minutes after T0 (30 minutes ago): the breaker closes


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:onu", "ingest:scada")


@pytest.fixture
def grid(tmp_path):
    """Two feeders of 40 DPs of 5 meters, with devices (oms.storm.grid.FeederLayout)."""
    generate_grid(tmp_path, 1, 2, 40, 5, seed=3, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:3]


def reporters(dp: str) -> int:
    """Distinct senders of a DP's meters with a channel (one ONU speaks for its meters)."""
    rows = Meter.objects.filter(dp__dp_id=dp).exclude(meter_type__in=("conventional", "prepaid"))
    return len({m.onu_id or m.meter_number for m in rows})


def linked(outage) -> set[str]:
    return set(outage.outage_meters.values_list("meter__meter_number", flat=True))


def trip_and_close(ingest):
    breaker(ingest, "TRIP", 0)
    assert placed() == {("feeder", "FD001")}
    breaker(ingest, "CLOSE", CLOSED)
    assert active() == []


def test_a_fuse_whose_meters_send_no_power_up_after_the_breaker_closes_is_out(grid, ingest):
    trip_and_close(ingest)
    feeder_meters = meters_of(device=("feeder", "FD001"))
    silent = set(meters_of(device=FUSE))
    back = [m for m in feeder_meters if m not in silent]
    gasps(ingest, back, CLOSED + 0.5, restored=True, key="back")
    assert active() == [] and off() == set()  # every meter is on by inference

    # Not before the wait is over: power-ups may still be arriving.
    gasps(ingest, meters_of(dps=[FD002_METER_DP]), CLOSED + 9, restored=True, key="early")
    sqlfuncs.sweep()
    assert placed() == set()

    gasps(ingest, meters_of(dps=[FD002_METER_DP]), CLOSED + 11, restored=True, key="clock")
    sqlfuncs.sweep()

    assert placed() == {FUSE}
    (fuse,) = active()
    everything = set(meters_of(device=FUSE, reporting=False))
    assert linked(fuse) == everything and off() == everything
    assert fuse.first_detected_at == T0 + timedelta(minutes=CLOSED)  # from the re-energization
    assert 0 < fuse.confidence_score < 1  # AMI inference, not a fact
    (why,) = fuse.timeline.filter(description__contains="AMI restoration check")
    assert why.description.startswith("Not back after feeder FD001 was re-energized"), why
    evidence = MeterStatusEvent.objects.filter(event_type="no_restoration")
    assert {e.meter.meter_number for e in evidence} == silent
    assert {(e.source_type, e.new_status, e.applied) for e in evidence} == {("oms", "off", True)}

    # Re-delivered events change nothing.
    breaker(ingest, "CLOSE", CLOSED)
    gasps(ingest, back, CLOSED + 0.5, restored=True, key="back")
    sqlfuncs.sweep()
    assert [o.id for o in active()] == [fuse.id] and off() == everything

    # The fuse's meters report power once it is repaired: restored as usual.
    gasps(ingest, sorted(silent), CLOSED + 14, restored=True, key="repaired")
    fuse.refresh_from_db()
    assert fuse.status == "restored" and off() == set()


def test_a_silent_dp_is_out_and_a_lone_silent_meter_or_a_one_meter_dp_is_not(grid, ingest):
    on_fd001 = [f"DP{n:03d}" for n in range(1, 41)]
    dp, lone_dp, one_meter_dp = [d for d in on_fd001 if reporters(d) >= 2][:3]
    # A transformer of one meter with a channel.
    single = meters_of(dps=[one_meter_dp])[0]
    Meter.objects.filter(dp__dp_id=one_meter_dp).exclude(meter_number=single).update(
        status="inactive"
    )
    trip_and_close(ingest)
    lone = meters_of(dps=[lone_dp])[0]  # its power-up is lost; its DP's others report
    silent = set(meters_of(dps=[dp])) | {lone, single}
    back = [m for m in meters_of(device=("feeder", "FD001")) if m not in silent]
    gasps(ingest, back, CLOSED + 0.5, restored=True, key="back")

    # Time passes (evidence elsewhere); the feeder's next evidence runs its check first.
    gasps(ingest, meters_of(dps=[FD002_METER_DP]), CLOSED + 11, restored=True, key="clock")
    assert placed() == set()
    gasps(ingest, back[:1], CLOSED + 12, restored=True, key="next")

    assert placed() == {("dp", dp)}
    (transformer,) = active()
    assert linked(transformer) == set(meters_of(dps=[dp], reporting=False))
    assert off() == set(meters_of(dps=[dp], reporting=False))
    assert Meter.objects.get(meter_number=lone).power_status == "on"
    assert Meter.objects.get(meter_number=single).power_status == "on"

    # A power-up arriving late (dated just after the closing) restores the transformer.
    gasps(ingest, meters_of(dps=[dp]), CLOSED + 0.3, restored=True, key="late")
    transformer.refresh_from_db()
    assert transformer.status == "restored" and off() == set()
