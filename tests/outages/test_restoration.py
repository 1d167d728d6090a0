"""Restoration: full, partial, nested and momentary (issue 4)."""

import json

from django.core.management import call_command

from outages.models import Outage
from tests.conftest import FIXTURES
from tests.outages.engine_helpers import (
    active_outages,
    at,
    loss_of_voltage,
    meter_evidence,
    meter_numbers,
    power,
    restoration,
)

DP001 = meter_numbers(1, 20)
FD001 = meter_numbers(1, 40)


def test_per_meter_power_up_restores_partially_then_fully(grid):
    meter_evidence(DP001[:10], "off", at(0))
    (outage,) = active_outages()

    meter_evidence(DP001[:4], "on", at(minutes=20))
    outage.refresh_from_db()
    assert (outage.status, outage.restored_meters_count) == ("detected", 4)

    meter_evidence(DP001[4:10], "on", at(minutes=25))
    outage.refresh_from_db()
    assert outage.status == "restored"
    assert outage.actual_restoration_time == at(minutes=25)
    # the inferred meters come back with the reporting ones
    assert set(power(DP001).values()) == {"on"}
    assert outage.restored_meters_count == 20


def test_meter_still_off_after_the_feeder_came_back_forms_a_nested_outage(grid):
    feeder = loss_of_voltage("FD001", at(0))
    # M40000005 gasps again after the breaker closed: its own fault
    meter_evidence(["M40000005"], "off", at(minutes=40, seconds=5), key="after")
    restoration("FD001", at(minutes=40))

    outage = Outage.objects.get(event_id=feeder["outage_event_id"])
    assert outage.status == "restored"
    assert (outage.affected_meters_count, outage.restored_meters_count) == (40, 39)
    assert power(["M40000005"]) == {"M40000005": "off"}
    (nested,) = active_outages()
    assert (nested.scope, nested.meter.meter_number) == ("meter", "M40000005")
    assert set(power(FD001).values()) == {"on", "off"}


def test_thirteen_second_loss_and_restoration_is_momentary(db, tmp_path):
    # A grid that knows the real feed's feeder 4A00000L663 / F00L663.
    (tmp_path / "substations.csv").write_text(
        "substation_id,name,location_lat,location_lng,region_code,voltage_level\n"
        "4A00000L663,Real L663,31.92,35.95,AM,33kV\n"
    )
    (tmp_path / "feeders.csv").write_text(
        "feeder_id,substation_id,name,location_lat,location_lng,capacity_kva\n"
        "F00L663,4A00000L663,L663 feeder,31.92,35.95,8000\n"
    )
    (tmp_path / "distribution_points.csv").write_text(
        "dp_id,feeder_id,name,location_lat,location_lng,building_id\n"
        "DPL663,F00L663,L663 TX,31.92,35.95,B1\n"
    )
    (tmp_path / "meters.csv").write_text(
        "meter_number,meter_type,customer_id,dp_id,location_lat,location_lng,building_id,"
        "asset_mrid,usage_point_mrid,onu_id,onu_serial_no\n"
        + "".join(f"ML663{n},smart,,DPL663,31.92,35.95,B1,,,,\n" for n in range(5))
    )
    call_command("import_grid", str(tmp_path))
    samples = FIXTURES / "real-feed-samples"
    loss = json.loads((samples / "scada_event_20250924_082833_288886_unknown.json").read_text())
    back = json.loads((samples / "scada_event_20250924_082846_736879_unknown.json").read_text())

    from ingest import sqlfuncs as ingest_sql

    opened = ingest_sql.insert_scada_event_with_meter_check(loss)
    ingest_sql.insert_scada_event_with_meter_check(back)

    outage = Outage.objects.get(event_id=opened["outage_event_id"])
    assert (outage.status, outage.event_type) == ("restored", "momentary")
    duration = outage.actual_restoration_time - outage.first_detected_at
    assert round(duration.total_seconds(), 3) == 13.436
