"""update_meter_status: the seed's per-meter door runs the same engine as the REST ingest."""

import pytest
from django.db import DatabaseError, connection, transaction

from meters.models import Meter
from outages.models import Outage


def update_meter_status(number, status, source="onu", event_id="E1", at="2025-10-01T06:00:00Z"):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT update_meter_status(p_meter_number := %s, p_new_status := %s, "
            "p_event_type := 'test', p_source_type := %s, p_source_event_id := %s, "
            "p_event_timestamp := %s)",
            [number, status, source, event_id, at],
        )
        return cursor.fetchone()[0]


def test_power_off_through_sql_correlates_like_an_ingested_last_gasp(grid):
    assert update_meter_status("M40000001", "off") is True
    meter = Meter.objects.get(meter_number="M40000001")
    assert meter.power_status == "off"
    (outage,) = Outage.objects.all()
    assert (outage.scope, outage.meter_id, float(outage.confidence_score)) == (
        "meter",
        meter.id,
        0.6,
    )

    # the same source event again changes nothing
    assert update_meter_status("M40000001", "off") is False
    assert meter.status_events.count() == 1


def test_stale_communication_never_turns_a_meter_off(grid):
    update_meter_status("M40000002", "on", event_id="up")
    assert update_meter_status("M40000002", "offline", event_id="silent") is True
    meter = Meter.objects.get(meter_number="M40000002")
    assert (meter.power_status, meter.communication_status) == ("on", "offline")
    assert Outage.objects.count() == 0


def test_unknown_status_or_source_is_a_clear_error(grid):
    for status, source, message in (
        ("sideways", "onu", "unknown status: sideways"),
        ("off", "carrier pigeon", "unknown source type: carrier pigeon"),
    ):
        with pytest.raises(DatabaseError, match=message), transaction.atomic():
            update_meter_status("M40000003", status, source=source)
