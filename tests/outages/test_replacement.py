"""Re-placement (CONTRACT §11): a prediction that later evidence contradicts moves to the right
device, in both directions, and its timeline says why; meters wrongly inferred off go back to
their evidenced state. Through the ingest endpoints, on the synthetic grid with devices."""

from __future__ import annotations

import pytest

from meters.models import Meter
from oms.storm import generate_grid
from outages import sqlfuncs
from outages.models import Outage
from tests.outages.prediction_helpers import (
    active,
    customers_of,
    dps_of,
    gasps,
    meters_of,
    placed,
)
from topology.grid import import_grid
from topology.models import Device, Feeder

pytestmark = pytest.mark.django_db
LATERAL = [f"DP{n:03d}" for n in range(23, 31)]  # the 8 DPs below fuse FU-FD001-4


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:onu")


@pytest.fixture
def feeders(tmp_path):
    """Two feeders of 40 DPs (oms.storm.grid.FeederLayout): below the head switch DP001-003 and
    fuses 1-3 (DP004-020); below the recloser DP021-022 and fuse 4 (DP023-030); below the
    sectionalizer DP031-032 and fuse 5. No telemetry on FD001 or its recloser, so the feeder
    itself may be predicted."""
    generate_grid(tmp_path, 1, 2, 40, 5, seed=3, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:3]
    assert dps_of("fuse", "FU-FD001-4") == LATERAL
    Feeder.objects.filter(feeder_id="FD001").update(telemetered=False)
    Device.objects.filter(code="RC-FD001").update(telemetered=False)


def timeline(outage: Outage, kind: str) -> list[str]:
    return list(outage.timeline.filter(event_type=kind).values_list("description", flat=True))


def test_too_low_a_fuse_outage_merges_into_the_feeder_when_the_rest_of_it_reports(feeders, ingest):
    first = meters_of(device=("fuse", "FU-FD001-1"))
    gasps(ingest, first, 0)
    (fuse,) = active()
    assert placed() == {("fuse", "FU-FD001-1")}
    assert timeline(fuse, "predicted") == [
        "Predicted at fuse FU-FD001-1: 5 of the 5 transformers it feeds out within 15 min"
    ]

    # The rest of the feeder reports two minutes later.
    rest = [m for m in meters_of(device=("feeder", "FD001")) if m not in first]
    gasps(ingest, rest, 2, key="later")

    assert placed() == {("feeder", "FD001")}
    (feeder,) = active()
    assert feeder.affected_customers_count == customers_of("feeder", "FD001")
    # Its own reason, beside those carried over from the fuse outages it absorbed.
    assert (
        "Predicted at feeder FD001: 40 of the 40 transformers it feeds out within 15 min"
        in timeline(feeder, "predicted")
    )
    fuse.refresh_from_db()
    assert (fuse.status, fuse.merged_into_id) == ("merged", feeder.id)
    assert any(fuse.event_id in text for text in timeline(feeder, "rolled_up"))


def test_too_high_a_fuse_outage_moves_down_when_meters_below_it_report_power(feeders, ingest):
    out, healthy, silent = LATERAL[:5], LATERAL[5:7], LATERAL[7:]
    gasps(ingest, meters_of(dps=out), 0)
    (fuse,) = active()
    assert placed() == {("fuse", "FU-FD001-4")}
    assert {m.power_status for m in Meter.objects.filter(dp__dp_id__in=silent)} == {"off"}

    # Meters of two DPs below the fuse report power a minute later; the rest stay out.
    gasps(ingest, meters_of(dps=healthy), 1, restored=True, key="back")
    assert sqlfuncs.sweep() == 0  # not yet: the rest of a restoration may still be arriving
    assert placed() == {("fuse", "FU-FD001-4")}

    gasps(ingest, meters_of(dps=["DP041"]), 4, restored=True, key="clock")  # time passes
    sqlfuncs.sweep()

    assert placed() == {("dp", code) for code in out}
    fuse.refresh_from_db()
    assert fuse.status == "cancelled"
    (why,) = timeline(fuse, "replaced")
    assert why.startswith("Withdrawn: meters below it report power")
    for outage in active():
        assert any(
            t.startswith(f"Re-placed from {fuse.event_id}") for t in timeline(outage, "replaced")
        )
        assert outage.affected_customers_count == customers_of("dp", outage.dp.dp_id)
    # Meters the fuse inferred off without evidence of their own go back to what they were.
    assert {m.power_status for m in Meter.objects.filter(dp__dp_id__in=silent)} == {"unknown"}
    assert {m.power_status for m in Meter.objects.filter(dp__dp_id__in=out)} == {"off"}


def test_a_later_partial_return_restores_the_fuse_and_leaves_nested_outages(feeders, ingest):
    gasps(ingest, meters_of(dps=LATERAL), 0)
    (fuse,) = active()

    # Twenty minutes on, all but two transformers are back.
    gasps(ingest, meters_of(dps=LATERAL[:6]), 20, restored=True, key="back")
    gasps(ingest, meters_of(dps=["DP041"]), 25, restored=True, key="clock")
    sqlfuncs.sweep()

    fuse.refresh_from_db()
    assert fuse.status == "restored"
    assert placed() == {("dp", "DP029"), ("dp", "DP030")}


def test_a_meter_whose_power_up_was_lost_comes_back_with_its_transformer(feeders, ingest):
    gasps(ingest, meters_of(dps=LATERAL), 0)
    (fuse,) = active()

    # All but two transformers are back; one meter of DP025 never says so (its power-up lost).
    lost = meters_of(dps=["DP025"])[0]
    back = [m for m in meters_of(dps=LATERAL[:6]) if m != lost]
    gasps(ingest, back, 20, restored=True, key="back")
    gasps(ingest, meters_of(dps=["DP041"]), 25, restored=True, key="clock")
    sqlfuncs.sweep()

    fuse.refresh_from_db()
    assert fuse.status == "restored"
    assert placed() == {("dp", "DP029"), ("dp", "DP030")}  # no outage of the one meter
    assert Meter.objects.get(meter_number=lost).power_status == "on"
    assert fuse.outage_meters.get(meter__meter_number=lost).restored_at is not None
