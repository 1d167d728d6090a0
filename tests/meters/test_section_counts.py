"""Sections' counts of what they feed (meters_count, meters_off_count, customers_count) stay
equal to the meters through every door: the import, the engine (a SCADA trip through the ingest
endpoint), switching, and ORM writes that add, move, deactivate or delete meters and move DPs.
The device API's downstream counts add them up."""

from __future__ import annotations

import pytest
from django.db import connection

from meters.models import Customer, Meter
from outages.actions import operate_device
from tests.conftest import load_fixture
from topology.models import DistributionPoint, Section

RECOUNT = """
    SELECT s.code, s.meters_count, s.meters_off_count, s.customers_count,
           count(m.id), count(m.id) FILTER (WHERE m.power_status = 'off'),
           count(DISTINCT m.customer_id)
      FROM network_sections s
      LEFT JOIN network_distribution_points d ON d.section_id = s.id
      LEFT JOIN oms_meters m ON m.dp_id = d.id AND m.status = 'active'
     GROUP BY s.id ORDER BY s.code
"""


def counts_kept_wrong() -> list[tuple]:
    """Sections whose kept counts differ from a count of their meters now."""
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT)
        return [row for row in cursor.fetchall() if tuple(row[1:4]) != tuple(row[4:7])]


def kept(code: str) -> tuple[int, int, int]:
    section = Section.objects.get(code=code)
    return section.meters_count, section.meters_off_count, section.customers_count


def downstream(client, kind: str, code: str) -> tuple[int, int, int]:
    body = client.get(f"/api/devices/{kind}/{code}/").json()
    return body["meters_downstream"], body["meters_off_downstream"], body["customers_downstream"]


@pytest.fixture
def grid(devices_grid):
    Meter.objects.update(power_status="on")
    return devices_grid


def test_import_counts_every_active_meter_once(grid):
    assert counts_kept_wrong() == []
    total = sum(s.meters_count for s in Section.objects.all())
    assert total == Meter.objects.filter(status="active").count() > 0
    assert kept("recloser:R1")[0] == 20  # DP001's meters; F1's DP002 is its own section


def test_a_trip_through_ingest_moves_the_off_counts(grid, token_client):
    reader = token_client("read")
    assert downstream(reader, "recloser", "R1") == (40, 0, 40)
    answer = token_client("ingest:scada").post(
        "/api/ingest/scada/", load_fixture("providers/scada_loss_of_voltage.json"), format="json"
    )
    assert answer.status_code in (200, 201), answer.content
    assert counts_kept_wrong() == []
    assert downstream(reader, "recloser", "R1") == (40, 40, 40)
    feeder = reader.get("/api/devices/feeder/FD001/").json()
    off = Meter.objects.filter(feeder__feeder_id="FD001", power_status="off").count()
    assert feeder["meters_off_downstream"] == off == feeder["meters_downstream"] == 40


def test_switching_moves_the_off_counts_with_the_meters(grid, token_client):
    reader = token_client("read")
    operate_device(kind="recloser", code="R1", action="open", note="test")
    assert counts_kept_wrong() == []
    assert downstream(reader, "recloser", "R1") == (40, 40, 40)
    operate_device(kind="recloser", code="R1", action="close", note="test")
    assert counts_kept_wrong() == []
    assert downstream(reader, "recloser", "R1") == (40, 0, 40)


def test_orm_writes_that_move_meters_and_dps_recount_their_sections(grid):
    dp1, dp2 = (DistributionPoint.objects.get(dp_id=code) for code in ("DP001", "DP002"))
    r1_before = kept("recloser:R1")

    # A meter deactivated, another moved to DP002 (the fuse's section), one turned off.
    first, second, third = Meter.objects.filter(dp=dp1).order_by("meter_number")[:3]
    Meter.objects.filter(pk=first.pk).update(status="inactive")
    Meter.objects.filter(pk=second.pk).update(dp=dp2)
    Meter.objects.filter(pk=third.pk).update(power_status="off")
    assert counts_kept_wrong() == []
    assert kept("recloser:R1") == (r1_before[0] - 2, 1, r1_before[2] - 2)

    # A new meter of a new customer, then deleted.
    customer = Customer.objects.create(customer_id="CUST_COUNTS_1", name="Counts")
    extra = Meter.objects.create(
        meter_number="M-COUNTS-1", meter_type="smart", customer=customer, dp=dp1, status="active"
    )
    assert kept("recloser:R1") == (r1_before[0] - 1, 1, r1_before[2] - 1)
    extra.delete()
    assert counts_kept_wrong() == []

    # DP002 hung on R1's section: both sections recounted.
    fuse_section = dp2.section_id
    DistributionPoint.objects.filter(pk=dp2.pk).update(section=dp1.section_id)
    assert counts_kept_wrong() == []
    assert Section.objects.get(pk=fuse_section).meters_count == 0


@pytest.mark.parametrize(
    ("url", "fed"),
    [
        ("/api/devices/recloser/R1/meters/", {"dp__section__path__contains": "R1"}),
        ("/api/devices/feeder/FD001/meters/", {"feeder__feeder_id": "FD001"}),
        ("/api/substations/SS001/meters/", {"substation__substation_id": "SS001"}),
        ("/api/devices/dp/DP002/meters/", {"dp__dp_id": "DP002"}),
    ],
)
def test_a_device_page_counts_its_meters_from_the_sections(grid, token_client, url, fed):
    from topology.models import Device

    if "dp__section__path__contains" in fed:
        fed = {"dp__section__path__contains": [Device.objects.get(code="R1").pk]}
    meters = Meter.objects.filter(status="active", **fed)
    Meter.objects.filter(pk=meters.order_by("meter_number")[0].pk).update(status="inactive")
    Meter.objects.filter(pk__in=meters.order_by("meter_number")[:5]).update(power_status="off")
    reader = token_client("read")
    body = reader.get(url, {"page_size": 7}).json()
    assert body["count"] == meters.count() == Meter.objects.filter(status="active", **fed).count()
    assert len(body["results"]) == 7
    filtered = reader.get(url, {"power_status": "off"}).json()
    assert filtered["count"] == meters.filter(power_status="off").count() == 5
