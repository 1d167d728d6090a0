"""A fuse that blew before the breaker above it tripped (CONTRACT §11, §5 nested outages): the
breaker's trip does not absorb the fuse's outage, though a meter or two below the fuse report
later than the others (a clock off within the skew allowed); the breaker's reclosing sequence
is one interruption dated from its first trip; its closing ends its own outage and leaves the
fuse's standing, with its customers, until the fuse's meters report power. One gasp alone dated
less than the clock skew allowed before the trip is taken for a clock off: the trip absorbs it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oms.storm import generate_grid
from tests.outages.prediction_helpers import (
    T0,
    active,
    breaker,
    customers_of,
    gasps,
    meters_of,
    off,
    placed,
)
from topology.grid import import_grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:onu", "ingest:scada")


def test_a_fuse_out_before_the_breaker_trips_stays_out_after_the_breaker_closes(tmp_path, ingest):
    generate_grid(tmp_path, 1, 2, 40, 5, seed=3, devices=True)
    assert not import_grid(tmp_path).errors
    lateral = meters_of(device=("fuse", "FU-FD001-1"))
    early, skewed = lateral[:-2], lateral[-2:]
    gasps(ingest, early, 0)  # the fuse blows at T0
    assert placed() == {("fuse", "FU-FD001-1")}
    # Two of its meters' clocks run 50 s ahead: their gasps are dated after the trip.
    gasps(ingest, skewed, 50 / 60, key="skewed")

    breaker(ingest, "TRIP", seconds=40)
    breaker(ingest, "RECLOSE", seconds=41)
    breaker(ingest, "TRIP", seconds=41.5)
    breaker(ingest, "LOCKOUT", seconds=41.6)

    assert placed() == {("feeder", "FD001"), ("fuse", "FU-FD001-1")}
    # One interruption for the reclosing sequence, from its first trip (not from the fuse's).
    feeder, fuse = active()  # by scope
    assert feeder.first_detected_at == T0 + timedelta(seconds=40)
    assert fuse.first_detected_at == T0

    closed = breaker(ingest, "CLOSE", seconds=1200)
    assert closed["status"] == "processed"
    assert placed() == {("fuse", "FU-FD001-1")}
    feeder.refresh_from_db()
    assert (feeder.status, feeder.event_type) == ("restored", "outage")
    (standing,) = active()
    assert standing.id == fuse.id
    assert standing.affected_customers_count == customers_of("fuse", "FU-FD001-1")
    assert off() == set(meters_of(device=("fuse", "FU-FD001-1"), reporting=False))

    gasps(ingest, lateral, 25, restored=True, key="repaired")
    assert active() == []


def test_one_gasp_dated_a_minute_before_the_trip_is_taken_for_a_clock_off(tmp_path, ingest):
    from meters.models import Meter

    generate_grid(tmp_path, 1, 2, 40, 5, seed=3, devices=True)
    assert not import_grid(tmp_path).errors
    # A transformer of one meter with a channel: its meter's clock runs a minute behind.
    lone = meters_of(dps=["DP003"])[0]
    Meter.objects.filter(dp__dp_id="DP003").exclude(meter_number=lone).update(status="inactive")
    gasps(ingest, [lone], 0, key="behind")
    assert placed() == {("dp", "DP003")}

    breaker(ingest, "TRIP", seconds=60)
    assert placed() == {("feeder", "FD001")}  # absorbed: one message, within the skew allowed
    breaker(ingest, "CLOSE", seconds=1200)
    assert active() == [] and lone not in off()
