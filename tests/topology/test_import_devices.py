"""import_grid with devices.csv, DP parents and the feeders' telemetered column (§10 Grid CSV)."""

from __future__ import annotations

from django.db import connection

from meters.models import Meter
from tests.conftest import devices_grid_dir
from topology.grid import import_grid
from topology.models import Device, DistributionPoint, Feeder, Section


def seed_feeder_meters(feeder: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM get_meters_by_feeder(%s)", [feeder])
        return cursor.fetchone()[0]


def test_devices_hang_below_their_parents_and_dps_below_theirs(devices_grid):
    devices = {d.code: d for d in Device.objects.select_related("section_a", "section_b")}
    assert {(d.kind, code) for code, d in devices.items()} == {
        ("recloser", "R1"),
        ("fuse", "F1"),
        ("fuse", "F2"),
        ("switch", "T1"),
    }
    fd001, fd003 = Feeder.objects.get(feeder_id="FD001"), Feeder.objects.get(feeder_id="FD003")
    r1, f1, t1 = devices["R1"], devices["F1"], devices["T1"]
    assert (r1.section_a_id, r1.section_b.code) == (fd001.head_section_id, "recloser:R1")
    assert (f1.section_a.code, f1.section_b.code) == ("recloser:R1", "fuse:F1")
    # The tie joins F1's section to FD003's head; normally open, so nothing crosses it.
    assert (t1.section_a.code, t1.section_b_id) == ("fuse:F1", fd003.head_section_id)
    assert (t1.normal_state, t1.state, t1.telemetered) == ("open", "open", True)
    assert (r1.telemetered, f1.telemetered, devices["F2"].telemetered) == (True, False, False)
    assert str(r1.location_lat) == "32.026500"

    sections = {s.code: s for s in Section.objects.all()}
    assert sections["fuse:F1"].path == [r1.pk, f1.pk]
    assert sections["fuse:F1"].feeder_id == fd001.pk and sections["fuse:F1"].energized
    placed = dict(DistributionPoint.objects.values_list("dp_id", "section__code"))
    assert placed == {
        "DP001": "recloser:R1",
        "DP002": "fuse:F1",
        "DP003": "feeder:FD002",
        "DP004": "feeder:FD002",
        "DP005": "feeder:FD003",
        "DP006": "feeder:FD003",
    }
    assert (seed_feeder_meters("FD001"), seed_feeder_meters("FD003")) == (40, 40)


def test_feeders_are_telemetered_unless_the_column_says_false(devices_grid):
    telemetered = dict(Feeder.objects.values_list("feeder_id", "telemetered"))
    assert telemetered == {"FD001": True, "FD002": False, "FD003": True}


def test_reimport_updates_in_place_and_keeps_the_state_as_operated(devices_grid, tmp_path):
    Device.objects.filter(code="F1").update(state="open")
    counts = (Device.objects.count(), Section.objects.count(), Meter.objects.count())
    folder = tmp_path / "again"
    folder.mkdir()
    devices_grid_dir(folder)
    devices = (
        (folder / "devices.csv")
        .read_text()
        .replace("lateral fuse,recloser,R1", "fuse,feeder,FD001")
    )
    (folder / "devices.csv").write_text(devices)
    report = import_grid(folder)
    assert not report.errors
    assert (Device.objects.count(), Section.objects.count(), Meter.objects.count()) == counts
    f1 = Device.objects.select_related("section_a").get(code="F1")
    assert (f1.name, f1.section_a.code, f1.state) == ("Sweileh North fuse", "feeder:FD001", "open")
    assert Section.objects.get(code="fuse:F1").path == [f1.pk]


def test_bad_device_rows_are_reported_with_file_and_line(db, tmp_path):
    devices_grid_dir(tmp_path)
    with (tmp_path / "devices.csv").open("a") as handle:
        handle.write("breaker,B9,,feeder,FD001,,,,,,\n")  # line 6: unknown kind
        handle.write("fuse,F9,,fuse,NOPE,,,,,,\n")  # line 7: unknown parent
        handle.write("fuse,F8,,feeder,FD001,ajar,,,,,\n")  # line 8: bad state
        handle.write("switch,T9,,feeder,FD001,open,,,,feeder,FD404\n")  # line 9: unknown tie end
    with (tmp_path / "distribution_points.csv").open("a") as handle:
        handle.write("DP009,FD001,Far TX,,,,fuse,F404\n")  # line 8: unknown parent
    report = import_grid(tmp_path)
    assert report.errors == [
        "devices.csv:6: kind: unknown kind 'breaker' (one of recloser, sectionalizer, switch, "
        "fuse)",
        "devices.csv:8: normal_state: 'ajar' is not closed or open",
        "devices.csv:7: parent_code 'NOPE' is not in the registry",
        "devices.csv:9: to_code 'FD404' is not in the registry",
        "distribution_points.csv:8: parent_code 'F404' is not in the registry",
    ]
    assert set(Device.objects.values_list("code", flat=True)) == {"R1", "F1", "F2", "T1"}
    assert not DistributionPoint.objects.filter(dp_id="DP009").exists()
