"""Prediction on the tree as operated (CONTRACT §11, issue 11 item 1), through the ingest
endpoints: evidence climbs from the transformers to the nearest upstream device that explains
it, stops below a telemetered device that shows itself in, and independent faults stay apart."""

from __future__ import annotations

import pytest

from oms.storm import generate_grid
from outages.models import Outage
from tests.outages.prediction_helpers import (
    active,
    customers_of,
    gasps,
    meters_of,
    off,
    placed,
    scada,
)
from topology.grid import import_grid
from topology.models import Device, Feeder

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center")


def forty_dp_feeder(tmp_path, *, telemetered: bool):
    """One feeder of 40 transformers (5 meters each), its breaker telemetered or not."""
    generate_grid(tmp_path, 1, 1, 40, 5, seed=3)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:3]
    Feeder.objects.update(telemetered=telemetered)


def test_two_independent_transformer_failures_are_two_dp_outages(tmp_path, ingest):
    # No telemetry at the breaker: only the feeder's rule can keep the feeder in.
    forty_dp_feeder(tmp_path, telemetered=False)
    gasps(ingest, meters_of(dps=["DP007"]), 0)
    gasps(ingest, meters_of(dps=["DP023"]), 3)

    assert placed() == {("dp", "DP007"), ("dp", "DP023")}
    assert off() == set(meters_of(dps=["DP007", "DP023"], reporting=False))
    for outage in active():
        assert outage.affected_customers_count == customers_of("dp", outage.dp.dp_id)


def test_most_of_a_feeder_out_without_its_breakers_telemetry_is_a_feeder_outage(tmp_path, ingest):
    forty_dp_feeder(tmp_path, telemetered=False)
    dps = [f"DP{n:03d}" for n in range(1, 25)]  # 24 of 40
    gasps(ingest, meters_of(dps=dps), 0)

    assert placed() == {("feeder", "FD001")}
    (outage,) = active()
    assert outage.affected_customers_count == customers_of("feeder", "FD001")
    assert Outage.objects.filter(scope="dp", status="merged", merged_into=outage).count() == 24


def test_a_telemetered_closed_breaker_is_never_predicted_and_its_trip_is_a_fact(tmp_path, ingest):
    forty_dp_feeder(tmp_path, telemetered=True)
    dps = [f"DP{n:03d}" for n in range(1, 31)]  # 30 of 40 transformers report
    gasps(ingest, meters_of(dps=dps), 0)

    assert placed() == {("dp", code) for code in dps}
    assert not off() & set(meters_of(dps=["DP031", "DP040"], reporting=False))

    scada(ingest, "FD001", "SS001", 1)

    (outage,) = active()
    assert (outage.scope, outage.feeder.feeder_id) == ("feeder", "FD001")
    assert Outage.objects.filter(scope="dp", status="merged", merged_into=outage).count() == 30
    assert off() == set(meters_of(device=("feeder", "FD001"), reporting=False))
    assert outage.affected_customers_count == customers_of("feeder", "FD001")


def test_the_climb_stops_below_a_telemetered_recloser(devices_grid, ingest):
    # FD001 → recloser R1 (telemetered; DP001) → fuse F1 (DP002).
    gasps(ingest, meters_of(dps=["DP001", "DP002"]), 0)
    assert placed() == {("dp", "DP001"), ("dp", "DP002")}


def test_without_its_telemetry_the_recloser_explains_both_transformers(devices_grid, ingest):
    Device.objects.filter(code="R1").update(telemetered=False)
    Feeder.objects.filter(feeder_id="FD001").update(telemetered=False)
    gasps(ingest, meters_of(dps=["DP001", "DP002"]), 0)

    assert placed() == {("recloser", "R1")}
    (outage,) = active()
    assert outage.affected_customers_count == customers_of("recloser", "R1")


def test_a_fuse_laterals_transformers_out_are_a_fuse_outage_on_the_synthetic_grid(tmp_path, ingest):
    generate_grid(tmp_path, 1, 2, 40, 5, seed=3, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:3]
    lateral = meters_of(device=("fuse", "FU-FD001-1"))
    gasps(ingest, lateral[: len(lateral) * 3 // 4], 0)  # a quarter of its DPs never report

    assert placed() == {("fuse", "FU-FD001-1")}
    (outage,) = active()
    assert off() == set(meters_of(device=("fuse", "FU-FD001-1"), reporting=False))
    assert outage.affected_customers_count == customers_of("fuse", "FU-FD001-1")

    # A lateral below the telemetered recloser as well: two fuse outages; the telemetered
    # recloser between one of them and the feeder keeps the feeder in.
    gasps(ingest, meters_of(device=("fuse", "FU-FD001-4")), 2, key="second")
    assert placed() == {("fuse", "FU-FD001-1"), ("fuse", "FU-FD001-4")}


def test_faults_below_two_fuses_of_ieee8500_are_two_fuse_outages(db, tmp_path, ingest):
    from tests.topology.test_import_feeder import FEEDERS, Reference, import_model, rows

    if not FEEDERS.is_dir():
        pytest.fail(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    reference = Reference("ieee8500", tmp_path)
    import_model("ieee8500")
    # Two fuses, neither below the other, each feeding at least three transformers.
    fuses = rows(
        """SELECT v.code, array_agg(DISTINCT c2.id) FROM network_devices v
             JOIN network_sections c2 ON c2.path @> ARRAY[v.id]
             JOIN network_distribution_points p ON p.section_id = c2.id
            WHERE v.kind = 'fuse' GROUP BY v.code HAVING count(DISTINCT p.id) >= 3
            ORDER BY count(DISTINCT p.id), v.code"""
    )
    first, second = None, None
    for code, sections in fuses:
        if first is None:
            first = (code, set(sections))
        elif not first[1] & set(sections):
            second = (code, set(sections))
            break
    assert first and second, fuses
    a, b = first[0], second[0]

    gasps(ingest, meters_of(device=("fuse", a)) + meters_of(device=("fuse", b)), 0)

    assert placed() == {("fuse", a), ("fuse", b)}
    counted = rows(
        "SELECT topology_device_code(scope, device_id), affected_customers_count"
        " FROM oms_outage_events WHERE status = ANY (outages_active_statuses())"
    )
    assert dict(counted) == {
        code: reference.customers_below(reference.fuse_lines[code]) for code in (a, b)
    }
    assert off() == set(
        meters_of(device=("fuse", a), reporting=False)
        + meters_of(device=("fuse", b), reporting=False)
    )
