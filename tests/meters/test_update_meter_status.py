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
        0.475,  # one meter's report alone (CONTRACT §11): 0.95 · 0.5
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


def status_rows(number):
    return list(
        Meter.objects.get(meter_number=number)
        .status_events.order_by("id")
        .values_list("source_event_id", "previous_status", "new_status", "applied")
    )


def test_unknown_only_records_and_never_changes_power(grid):
    """`unknown` is no evidence about power: it is recorded in the audit trail (not applied)
    and leaves an `on` or `off` meter as it is, so it never drops a meter out of an outage."""
    update_meter_status("M40000004", "on", event_id="up", at="2025-10-01T06:00:00Z")
    assert (
        update_meter_status("M40000004", "unknown", event_id="?", at="2025-10-01T06:05:00Z")
        is False
    )
    meter = Meter.objects.get(meter_number="M40000004")
    assert meter.power_status == "on"
    assert str(meter.last_power_change) == "2025-10-01 06:00:00+00:00"
    assert status_rows("M40000004") == [
        ("up", "unknown", "on", True),
        ("?", "on", "unknown", False),
    ]
    # re-delivered: nothing new
    assert (
        update_meter_status("M40000004", "unknown", event_id="?", at="2025-10-01T06:05:00Z")
        is False
    )
    assert len(status_rows("M40000004")) == 2

    update_meter_status("M40000005", "off", event_id="gasp", at="2025-10-01T06:00:00Z")
    (outage,) = Outage.objects.filter(meter__meter_number="M40000005")
    update_meter_status("M40000005", "unknown", event_id="?", at="2025-10-01T06:05:00Z")
    assert Meter.objects.get(meter_number="M40000005").power_status == "off"
    outage.refresh_from_db()
    assert (outage.status, outage.affected_meters_count) == ("detected", 1)


def test_online_and_offline_set_communication_only_by_event_time(grid):
    meter = Meter.objects.get(meter_number="M40000006")
    before = (meter.power_status, meter.last_power_change)
    assert update_meter_status("M40000006", "offline", event_id="c1", at="2025-10-01T06:10:00Z")
    assert update_meter_status("M40000006", "ONLINE", event_id="c2", at="2025-10-01T06:20:00Z")
    meter.refresh_from_db()
    assert (meter.communication_status, str(meter.last_communication)) == (
        "online",
        "2025-10-01 06:20:00+00:00",
    )
    # an older report never overrides a newer one
    assert (
        update_meter_status("M40000006", "offline", event_id="c0", at="2025-10-01T06:15:00Z")
        is False
    )
    meter.refresh_from_db()
    assert meter.communication_status == "online"
    assert (meter.power_status, meter.last_power_change) == before
    assert Outage.objects.count() == 0
