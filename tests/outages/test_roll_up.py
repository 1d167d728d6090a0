"""Roll-up prediction from AMI last gasps and customer calls (issue 4)."""

from decimal import Decimal

from django.db import connection

from meters.models import Meter
from outages.models import Outage, OutageSource
from tests.outages.engine_helpers import (
    active_outages,
    at,
    loss_of_voltage,
    meter_evidence,
    meter_numbers,
    power,
)
from topology.models import Feeder

DP001 = meter_numbers(1, 20)
DP002 = meter_numbers(21, 40)


def test_nine_last_gasps_stay_meter_outages(grid):
    meter_evidence(DP001[:9], "off", at(0))

    outages = active_outages()
    assert [o.scope for o in outages] == ["meter"] * 9
    assert set(power(DP001[9:]).values()) == {"unknown"}


def test_half_of_a_dps_meters_inside_the_window_make_one_dp_outage(grid):
    for n, number in enumerate(DP001[:10]):
        meter_evidence([number], "off", at(minutes=n))

    (outage,) = active_outages()
    assert (outage.scope, outage.dp.dp_id) == ("dp", "DP001")
    # every meter of the DP counts as affected and is inferred off
    assert set(power(DP001).values()) == {"off"}
    assert (outage.affected_meters_count, outage.affected_customers_count) == (20, 20)
    assert outage.first_detected_at == at(0)
    assert outage.sources.count() == 10
    # Half of its meters report (CONTRACT §11): 0.95 · min(1, 0.5 / 0.8) · (1 - 0.5¹⁰).
    assert float(outage.confidence_score) == round(0.95 * 0.625 * (1 - 0.5**10), 3)
    merged = Outage.objects.filter(status="merged")
    assert merged.count() == 9
    assert {m.merged_into_id for m in merged} == {outage.id}
    assert outage.timeline.filter(event_type="rolled_up").exists()


def test_gasps_outside_the_window_do_not_roll_up(grid):
    meter_evidence(DP001[:5], "off", at(0))
    meter_evidence(DP001[5:10], "off", at(minutes=30))

    assert {o.scope for o in active_outages()} == {"meter"}


def test_two_dps_on_a_telemetered_feeder_stay_two_dp_outages(grid):
    # CONTRACT §11: the breaker's telemetry shows it closed, so the feeder is not predicted.
    meter_evidence(DP001[:10], "off", at(0))
    meter_evidence(DP002[:10], "off", at(minutes=2))

    assert sorted((o.scope, o.dp.dp_id) for o in active_outages()) == [
        ("dp", "DP001"),
        ("dp", "DP002"),
    ]
    assert set(power(DP001 + DP002).values()) == {"off"}


def test_two_dps_out_make_one_feeder_outage_not_two(grid):
    Feeder.objects.filter(feeder_id="FD001").update(telemetered=False)
    meter_evidence(DP001[:10], "off", at(0))
    meter_evidence(DP002[:10], "off", at(minutes=2))

    (outage,) = active_outages()
    assert (outage.scope, outage.feeder.feeder_id) == ("feeder", "FD001")
    assert outage.affected_meters_count == 40
    assert set(power(DP001 + DP002).values()) == {"off"}
    assert outage.sources.count() == 20
    assert Outage.objects.filter(scope="dp", status="merged").count() == 2
    # evidence arriving later joins the feeder outage
    meter_evidence(DP002[10:11], "off", at(minutes=3), key="late")
    assert [o.id for o in active_outages()] == [outage.id]
    assert outage.sources.count() == 21


def test_a_lone_ticket_is_a_low_confidence_meter_outage_absorbed_by_scada(grid):
    meter_evidence(["M40000001"], "report", at(0), provider="call_center")

    (ticket,) = active_outages()
    # One call from its one customer: the call's weight, under AMI and calls' cap (0.95 · 0.4).
    assert (ticket.scope, float(ticket.confidence_score)) == ("meter", 0.38)
    assert power(["M40000001"]) == {"M40000001": "unknown"}

    answer = loss_of_voltage("FD001", at(minutes=1))

    (outage,) = active_outages()
    assert outage.event_id == answer["outage_event_id"]
    assert outage.scope == "feeder"
    assert set(outage.sources.values_list("source_type", flat=True)) == {"scada", "call_center"}
    assert outage.first_detected_at == at(0)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.merged_into_id) == ("merged", outage.id)


def test_confidence_of_thousands_of_sources_is_capped_and_keeps_counting(grid):
    meter_evidence(DP001[:10], "off", at(0))
    (outage,) = active_outages()
    # A storm's outage gathers thousands of reports: the powers of (1 - w) underflow.
    OutageSource.objects.bulk_create(
        OutageSource(
            outage=outage,
            source_type="call_center",
            source_event_id=f"call-{n}",
            weight=Decimal("0.4"),
            event_timestamp=at(minutes=1),
        )
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_refresh(ARRAY[%s]::bigint[])", [outage.id])
    outage.refresh_from_db()
    # AMI and calls alone never reach 1 (CONTRACT §11): at most confidence_ami_cap.
    assert outage.confidence_score == Decimal("0.950")

    # Counts still follow the links once confidence no longer moves.
    meter_evidence(DP001[10:12], "on", at(minutes=5))
    outage.refresh_from_db()
    assert (outage.affected_meters_count, outage.restored_meters_count) == (20, 2)
    assert (outage.affected_customers_count, outage.confidence_score) == (20, Decimal("0.950"))


def test_the_dp_share_counts_only_meters_that_can_report(grid):
    # Eight of DP001's twenty meters have no channel: six last gasps are half of the rest.
    Meter.objects.filter(meter_number__in=DP001[12:]).update(meter_type="conventional")
    meter_evidence(DP001[:5], "off", at(0))
    assert {o.scope for o in active_outages()} == {"meter"}

    meter_evidence(DP001[5:6], "off", at(minutes=1))

    (outage,) = active_outages()
    assert (outage.scope, outage.dp.dp_id, outage.affected_meters_count) == ("dp", "DP001", 20)


def test_source_counts_follow_the_sources_whichever_door_writes_them(grid):
    meter_evidence(DP001[:3], "off", at(0))
    outage = active_outages()[0]
    assert (outage.source_count, outage.source_types) == (1, ["kaifa"])

    OutageSource.objects.create(
        outage=outage, source_type="call_center", source_event_id="T-1", weight="0.4",
        event_timestamp=at(minutes=1),
    )  # fmt: skip
    outage.refresh_from_db()
    assert (outage.source_count, outage.source_types) == (2, ["call_center", "kaifa"])

    outage.sources.filter(source_type="kaifa").delete()
    outage.refresh_from_db()
    assert (outage.source_count, outage.source_types) == (1, ["call_center"])
    # Its meter still reports off (the link is the evidence) and one customer called:
    # 0.95 · (1 - (1 - 0.5)(1 - 0.4)); a removed call or telemetry would lower it.
    assert outage.confidence_score == Decimal("0.665")
