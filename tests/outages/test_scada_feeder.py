"""A SCADA loss of voltage and its restoration on FD001 of the fixture grid (issue 2)."""

from meters.models import MeterStatusEvent
from outages.models import Outage, OutageSource, TimelineEntry
from tests.outages.engine_helpers import (
    at,
    loss_of_voltage,
    meter_numbers,
    power,
    restoration,
)

FD001 = meter_numbers(1, 40)
OTHERS = meter_numbers(41, 120)


def test_loss_of_voltage_turns_off_only_the_feeders_meters_and_opens_one_outage(grid):
    answer = loss_of_voltage("FD001", at(0))

    assert answer["status"] == "processed"
    assert answer["meters"] == {"total": 40, "off": 40, "on": 0, "unknown": 0}
    assert (answer["offline_meters"], answer["total_meters"]) == (40, 40)
    assert set(power(FD001).values()) == {"off"}
    assert set(power(OTHERS).values()) == {"unknown"}
    (outage,) = Outage.objects.all()
    assert outage.event_id == answer["outage_event_id"]
    assert (outage.scope, outage.feeder.feeder_id, outage.status) == ("feeder", "FD001", "detected")
    assert "SS001" in outage.root_cause
    assert (outage.affected_meters_count, outage.affected_customers_count) == (40, 40)
    assert outage.confidence_score == 1
    assert (
        MeterStatusEvent.objects.filter(previous_status="unknown", new_status="off").count() == 40
    )


def test_redelivery_changes_nothing(grid):
    first = loss_of_voltage("FD001", at(0))
    counts = (
        MeterStatusEvent.objects.count(),
        OutageSource.objects.count(),
        TimelineEntry.objects.count(),
    )

    again = loss_of_voltage("FD001", at(0))

    assert again == {**first, "duplicate": True}
    assert Outage.objects.count() == 1
    assert counts == (
        MeterStatusEvent.objects.count(),
        OutageSource.objects.count(),
        TimelineEntry.objects.count(),
    )


def test_restoration_restores_meters_and_outage_and_late_loss_does_not_undo_it(grid):
    off = loss_of_voltage("FD001", at(0))
    back = restoration("FD001", at(minutes=47))

    assert back["meters"] == {"total": 40, "off": 0, "on": 40, "unknown": 0}
    assert set(power(FD001).values()) == {"on"}
    outage = Outage.objects.get(event_id=off["outage_event_id"])
    assert (outage.status, outage.event_type) == ("restored", "outage")
    assert outage.actual_restoration_time == at(minutes=47)
    assert outage.restored_meters_count == 40
    assert MeterStatusEvent.objects.filter(previous_status="off", new_status="on").count() == 40

    late = loss_of_voltage("FD001", at(minutes=30))

    assert late["meters"]["off"] == 0
    assert late["outage_event_id"] is None
    assert set(power(FD001).values()) == {"on"}
    assert Outage.objects.filter(status__in=["detected", "confirmed", "in_progress"]).count() == 0
    assert MeterStatusEvent.objects.filter(applied=False, new_status="off").count() == 40


def test_unknown_feeder_is_unmatched_and_never_widened_to_its_substation(grid):
    answer = loss_of_voltage("FD999", at(0))

    assert answer["status"] == "unmatched"
    assert set(power(FD001).values()) == {"unknown"}
    assert Outage.objects.count() == 0
