"""The scoped re-derivation the admin and CSV imports use gives the rows the full SQL refresh
(`topology_refresh_meter_mappings()`) gives, and touches only the meters it is told about."""

from __future__ import annotations

from meters.models import Meter
from topology.actions import rederive_meter_topology
from topology.models import DistributionPoint, Feeder, FeederMeter, SubstationMeter


def derived_rows():
    meters = set(Meter.objects.values_list("meter_number", "feeder_id", "substation_id"))
    feeders = set(FeederMeter.objects.values_list("feeder_id", "meter_id"))
    substations = set(SubstationMeter.objects.values_list("substation_id", "meter_id", "priority"))
    return meters, feeders, substations


def test_scoped_rederivation_matches_the_full_refresh(grid):
    dp005 = DistributionPoint.objects.get(dp_id="DP005")
    fd003 = Feeder.objects.get(feeder_id="FD003")
    moved = list(Meter.objects.filter(meter_number__in=["M40000001", "M40000021"]))
    Meter.objects.filter(pk__in=[m.pk for m in moved]).update(dp=dp005)
    unplugged = Meter.objects.get(meter_number="M40000050")
    Meter.objects.filter(pk=unplugged.pk).update(dp=None)
    dp002 = DistributionPoint.objects.get(dp_id="DP002")
    DistributionPoint.objects.filter(pk=dp002.pk).update(feeder=fd003)
    fd002 = Feeder.objects.get(feeder_id="FD002")
    Feeder.objects.filter(pk=fd002.pk).update(substation=fd003.substation)
    untouched = Meter.objects.get(meter_number="M40000110")
    before = untouched.updated_at

    count = rederive_meter_topology(
        meter_ids=[m.pk for m in moved] + [unplugged.pk], dp_ids=[dp002.pk], feeder_ids=[fd002.pk]
    )
    # 2 moved + 1 unplugged + DP002's 19 left + FD002's 39 still on a DP
    assert count == 2 + 1 + 19 + 39
    scoped = derived_rows()
    rederive_meter_topology(everything=True)
    assert derived_rows() == scoped
    untouched.refresh_from_db()
    assert untouched.updated_at == before
    assert Meter.objects.get(meter_number="M40000050").feeder_id is None
    assert not FeederMeter.objects.filter(meter=unplugged).exists()


def test_nothing_named_nothing_done(grid):
    assert rederive_meter_topology() == 0
