from django.core.management import call_command

from meters.models import Customer, Meter
from tests.conftest import GRID_DIR
from topology.grid import import_grid
from topology.models import DistributionPoint, Feeder, FeederMeter, Substation, SubstationMeter


def counts():
    return (
        Substation.objects.count(),
        Feeder.objects.count(),
        DistributionPoint.objects.count(),
        Customer.objects.count(),
        Meter.objects.count(),
        FeederMeter.objects.count(),
        SubstationMeter.objects.count(),
    )


def test_import_loads_the_grid_and_derives_mappings(grid):
    assert counts() == (2, 3, 6, 119, 120, 120, 120)
    meter = Meter.objects.select_related("dp", "feeder", "substation").get(meter_number="M40000001")
    assert (meter.dp.dp_id, meter.feeder.feeder_id, meter.substation.substation_id) == (
        "DP001",
        "FD001",
        "SS001",
    )
    assert meter.onu_id == "4101207"
    assert Meter.objects.get(meter_number="M40000003").asset_mrid == "KFM-00077123"


def test_reimport_updates_and_never_duplicates(grid):
    before = counts()
    Meter.objects.filter(meter_number="M40000001").update(location_lat=0, building_id="X")
    report = import_grid(GRID_DIR)
    assert not report.errors
    assert counts() == before
    meter = Meter.objects.get(meter_number="M40000001")
    assert (str(meter.location_lat), meter.building_id) == ("32.025471", "BLDG_001")


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_loaded(db, tmp_path):
    for name in ("substations.csv", "feeders.csv", "distribution_points.csv", "customers.csv"):
        (tmp_path / name).write_text((GRID_DIR / name).read_text())
    lines = (GRID_DIR / "meters.csv").read_text().splitlines()
    lines[2] = lines[2].replace("32.026453", "north")  # line 3: bad number
    lines[4] = lines[4].replace("DP001", "DP999")  # line 5: unknown DP
    number, _, rest = lines[6].split(",", 2)
    lines[6] = f"{number},steam,{rest}"  # line 7: unknown meter type
    (tmp_path / "meters.csv").write_text("\n".join(lines) + "\n")

    report = import_grid(tmp_path)

    assert report.errors == [
        "meters.csv:3: location_lat: not a number: 'north'",
        "meters.csv:7: meter_type: unknown meter_type 'steam' (one of smart, kaifa, onu, "
        "conventional, prepaid)",
        "meters.csv:5: dp_id 'DP999' is not in the registry",
    ]
    assert Meter.objects.count() == 117


def test_import_grid_command_prints_progress_and_summary(db, capsys):
    call_command("import_grid", str(GRID_DIR))
    out = capsys.readouterr().out
    assert "meters.csv: 120 rows loaded" in out
    assert "0 bad row(s) skipped" in out
