"""meters.actions.update_meter_status: the engine's per-meter door, its refusals as domain errors
with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meters import actions
from meters.models import Meter, MeterStatusEvent
from outages.models import Outage

pytestmark = pytest.mark.django_db

AT = datetime(2025, 10, 1, 6, 0, tzinfo=UTC)


def test_power_evidence_changes_the_meter_and_opens_an_outage(grid):
    assert actions.update_meter_status(
        meter_number="M40000010", status="off", event_time=AT, source_type="kaifa",
        source_event_id="K-10", metadata={"note": "last gasp"},
    )  # fmt: skip
    assert Meter.objects.get(meter_number="M40000010").power_status == "off"
    assert Outage.objects.filter(meter__meter_number="M40000010").exists()
    again = actions.update_meter_status(
        meter_number="M40000010", status="off", event_time=AT, source_type="kaifa",
        source_event_id="K-10",
    )  # fmt: skip
    assert again is False


@pytest.mark.parametrize(
    ("number", "status", "source", "at", "error", "words"),
    [
        ("M404", "off", "onu", AT, actions.UnknownMeter, "M404"),
        ("M40000011", "sideways", "onu", AT, actions.InvalidStatus, "unknown status"),
        ("M40000011", "off", "pigeon", AT, actions.InvalidStatus, "unknown source type"),
        (
            "M40000011",
            "off",
            "onu",
            datetime(1999, 12, 31, tzinfo=UTC),
            actions.InvalidEventTime,
            "p_event_timestamp",
        ),
    ],
)
def test_refusals_are_domain_errors_and_write_nothing(
    grid, number, status, source, at, error, words
):
    with pytest.raises(error, match=words):
        actions.update_meter_status(
            meter_number=number, status=status, event_time=at, source_type=source
        )
    assert MeterStatusEvent.objects.count() == 0
    assert Meter.objects.get(meter_number="M40000011").power_status == "unknown"
