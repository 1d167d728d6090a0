"""The synthetic grid with devices (oms.storm.generate_grid(devices=True)) imports through
import_grid with every meter fed, and its ties back-feed a neighbour feeder."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count

from meters.models import Meter
from oms.storm import generate_grid
from outages.actions import operate_device
from topology.grid import import_grid
from topology.models import Device, DistributionPoint, Section


def test_generated_devices_import_and_a_tie_back_feeds(db, tmp_path):
    generate_grid(tmp_path, 2, 2, 40, 2, seed=5, devices=True)
    report = import_grid(tmp_path)
    assert not report.errors, report.errors[:5]
    kinds = dict(Device.objects.values_list("kind").annotate(n=Count("id")))
    # Per feeder: head switch, recloser, sectionalizer, 5 fuses (laterals of about √40 DPs:
    # three below the head switch, one below the recloser, one below the sectionalizer); ties
    # between consecutive feeders (3 for 4 feeders).
    assert kinds == {"switch": 4 + 3, "recloser": 4, "sectionalizer": 4, "fuse": 20}
    with connection.cursor() as cursor:
        # What each DP of FD001 hangs below: some on each section's main line, the rest fused.
        cursor.execute(
            """SELECT coalesce(nullif(v.kind, 'fuse'), 'fuse of ' || u.code), count(*)
                 FROM network_distribution_points d
                 JOIN network_sections s ON s.id = d.section_id
                 JOIN network_devices v ON v.id = s.fed_through_id
                 LEFT JOIN network_sections us ON us.id = v.upstream_section_id
                 LEFT JOIN network_devices u ON u.id = us.fed_through_id
                WHERE d.feeder_id = (SELECT id FROM network_feeders WHERE feeder_id = 'FD001')
                GROUP BY 1"""
        )
        assert dict(cursor.fetchall()) == {
            "switch": 3,
            "fuse of SW-FD001": 17,
            "recloser": 2,
            "fuse of RC-FD001": 8,
            "sectionalizer": 2,
            "fuse of SC-FD001": 8,
        }
    assert Device.objects.filter(code__startswith="TI-", state="open").count() == 3
    assert not Section.objects.filter(energized=False).exists()  # every section fed, ties open
    assert not DistributionPoint.objects.filter(section__code__startswith="feeder:").exists()
    Meter.objects.update(power_status="on")

    operate_device(kind="switch", code="SW-FD002", action="open")
    cut = set(Meter.objects.filter(power_status="off").values_list("id", flat=True))
    assert len(cut) == 80  # all of FD002 below its head switch
    switching = operate_device(kind="switch", code="TI-FD001", action="close")
    assert switching.operation.meters_energized == 80
    assert not Meter.objects.filter(power_status="off").exists()
    assert set(Meter.objects.filter(id__in=cut).values_list("feeder__feeder_id", flat=True)) == {
        "FD001"
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM get_meters_by_feeder('FD001')")
        assert cursor.fetchone()[0] == 160
