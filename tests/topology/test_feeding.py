"""topology_derive_feeding: what each feeder feeds, derived from the devices' states, through
every door (sections, devices, DPs, meters, the seed's mapping tables and functions)."""

from __future__ import annotations

import pytest
from django.db import connection

from meters.models import Meter
from topology import sqlfuncs
from topology.models import Device, DistributionPoint, Feeder, FeederMeter, Section


def feeder_of(dp_code: str) -> str:
    return DistributionPoint.objects.get(dp_id=dp_code).feeder.feeder_id


def seed_feeder_meters(feeder_code: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT meter_number FROM get_meters_by_feeder(%s)", [feeder_code])
        return {row[0] for row in cursor.fetchall()}


def dp_meters(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("meter_number", flat=True))


@pytest.fixture
def tied(grid):
    """FD001's head → recloser R1 → section R1 → fuse F1 → section F1 (DP002) ··· tie T1
    (normally open) ··· FD003's head (SS002)."""
    fd001, fd003 = Feeder.objects.get(feeder_id="FD001"), Feeder.objects.get(feeder_id="FD003")
    below_r1 = Section.objects.create(code="recloser:R1")
    below_f1 = Section.objects.create(code="fuse:F1")
    r1 = Device.objects.create(
        kind="recloser", code="R1", section_a=fd001.head_section, section_b=below_r1
    )
    f1 = Device.objects.create(kind="fuse", code="F1", section_a=below_r1, section_b=below_f1)
    t1 = Device.objects.create(
        kind="switch",
        code="T1",
        section_a=below_f1,
        section_b=fd003.head_section,
        normal_state="open",
        state="open",
    )
    DistributionPoint.objects.filter(dp_id="DP002").update(section=below_f1)
    sqlfuncs.derive_feeding(None)
    return {"fd001": fd001, "fd003": fd003, "r1": r1, "f1": f1, "t1": t1, "below_f1": below_f1}


def operate(device: Device, state: str) -> dict[int, bool]:
    Device.objects.filter(pk=device.pk).update(state=state)
    sides = Section.objects.filter(pk__in=[device.section_a_id, device.section_b_id])
    return sqlfuncs.derive_feeding(sorted({s.feeder_id for s in sides}))


def test_existing_grids_are_one_head_section_per_feeder_with_its_dps(grid):
    for feeder in Feeder.objects.select_related("head_section"):
        head = feeder.head_section
        assert (head.code, head.feeder_id, head.energized, head.path) == (
            f"feeder:{feeder.feeder_id}",
            feeder.pk,
            True,
            [],
        )
        assert set(
            DistributionPoint.objects.filter(feeder=feeder).values_list("section", flat=True)
        ) == {head.pk}


def test_sections_devices_and_dps_are_derived_along_the_path(tied):
    below_f1 = Section.objects.get(code="fuse:F1")
    assert (below_f1.feeder_id, below_f1.energized, below_f1.depth) == (tied["fd001"].pk, True, 2)
    assert below_f1.path == [tied["r1"].pk, tied["f1"].pk]
    assert below_f1.fed_through_id == tied["f1"].pk
    t1 = Device.objects.get(code="T1")
    # An open tie hangs from its normal upstream side (a), on FD001.
    assert (t1.feeder_id, t1.upstream_section_id, t1.energized) == (
        tied["fd001"].pk,
        below_f1.pk,
        True,
    )
    f1 = Device.objects.get(code="F1")
    assert f1.upstream_section.code == "recloser:R1"
    assert feeder_of("DP002") == "FD001"


def test_opening_de_energizes_below_and_keeps_the_normal_feeder(tied):
    flips = operate(tied["r1"], "open")
    below = Section.objects.filter(code__in=["recloser:R1", "fuse:F1"])
    assert flips == {section.pk: False for section in below}
    for section in below:
        assert (section.feeder_id, section.energized) == (tied["fd001"].pk, False)
    assert Section.objects.get(code="fuse:F1").path == [tied["r1"].pk, tied["f1"].pk]
    assert feeder_of("DP002") == "FD001"
    assert not Device.objects.get(code="F1").energized


def test_closing_the_tie_back_feeds_from_the_other_feeder_through_every_door(tied):
    operate(tied["r1"], "open")
    flips = operate(tied["t1"], "closed")
    below_f1 = Section.objects.get(code="fuse:F1")
    below_r1 = Section.objects.get(code="recloser:R1")
    assert flips == {below_f1.pk: True, below_r1.pk: True}
    assert (below_f1.feeder_id, below_f1.fed_through_id, below_f1.path) == (
        tied["fd003"].pk,
        tied["t1"].pk,
        [tied["t1"].pk],
    )
    # Behind the fuse, now fed upwards from the tie: the fuse is its feeding device.
    assert (below_r1.feeder_id, below_r1.fed_through_id) == (tied["fd003"].pk, tied["f1"].pk)
    assert Device.objects.get(code="F1").upstream_section_id == below_f1.pk
    moved = dp_meters("DP002")
    assert feeder_of("DP002") == "FD003"
    assert set(
        Meter.objects.filter(meter_number__in=moved).values_list("feeder__feeder_id", flat=True)
    ) == {"FD003"}
    assert set(
        Meter.objects.filter(meter_number__in=moved).values_list(
            "substation__substation_id", flat=True
        )
    ) == {"SS002"}
    assert moved <= seed_feeder_meters("FD003")
    assert not moved & seed_feeder_meters("FD001")
    assert FeederMeter.objects.filter(feeder=tied["fd003"]).count() == 60
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM network_substation_meters sm "
            "JOIN network_substations s ON s.id = sm.substation_id WHERE s.substation_id = 'SS002'"
        )
        assert cursor.fetchone()[0] == 60

    # Opening the tie and closing the recloser again: back to normal.
    operate(tied["t1"], "open")
    assert feeder_of("DP002") == "FD001"  # de-energized: counted under its normal feeder
    assert not Section.objects.get(code="fuse:F1").energized
    operate(tied["r1"], "closed")
    assert feeder_of("DP002") == "FD001"
    assert dp_meters("DP002") <= seed_feeder_meters("FD001")


def test_a_derivation_writes_only_what_differs(tied):
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(xmin::text::bigint) FROM network_sections")
        before = cursor.fetchone()[0]
        assert sqlfuncs.derive_feeding(None) == {}
        cursor.execute(
            "SELECT (SELECT count(*) FROM network_sections WHERE xmin::text::bigint > %s)"
            " + (SELECT count(*) FROM network_devices WHERE xmin::text::bigint > %s)"
            " + (SELECT count(*) FROM network_distribution_points WHERE xmin::text::bigint > %s)",
            [before, before, before],
        )
        assert cursor.fetchone()[0] == 0


def test_a_closed_loop_is_walked_once(tied):
    # A second closed path between the two sections below R1: a loop the CYCLE guard stops.
    Device.objects.create(
        kind="switch",
        code="LOOP",
        section_a=Section.objects.get(code="recloser:R1"),
        section_b=tied["below_f1"],
    )
    sqlfuncs.derive_feeding(None)
    below_f1 = Section.objects.get(code="fuse:F1")
    assert (below_f1.energized, below_f1.depth) == (True, 2)
    assert feeder_of("DP002") == "FD001"
