"""The network `oms demo` plays its storms on: a real feeder shipped with the package (IEEE 8500,
`oms/demo_feeders/ieee8500/`, BSD licence beside it) imported through `import_feeder`'s code, or
the synthetic grid with reclosers, sectionalizers, fuses and ties (`generate_grid(devices=True)`)
imported through `import_grid`. Either is loaded once; a later start finds it in the database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

FEEDERS = Path(__file__).parent / "demo_feeders"
IEEE8500 = FEEDERS / "ieee8500"
# The master, then the substation relay (a recloser) and the 30 lateral fuses: neither is
# redirected from Master.dss (see ../shared/fixtures/feeders/README.md).
IEEE8500_FILES = ("Master.dss", "Run_RecloserSiting.DSS", "Fuses.DSS")
IEEE8500_MODEL = "ieee8500"
# East of Amman (Zarqa): away from the synthetic grid's substations, should both be loaded.
IEEE8500_ORIGIN = (32.07, 36.09)
# 3 substations, 2 feeders each, 80 DPs per feeder, 5 meters per DP: 2,400 meters. Each feeder
# has a head switch, a telemetered recloser, a sectionalizer, eight fused laterals of 8-9 DPs
# (four below the head switch, two below the recloser, two below the sectionalizer), 3-6 DPs on
# the main line of each, and a tie to the next feeder (oms.storm.grid.FeederLayout).
SYNTHETIC_GRID = {
    "substations": 3,
    "feeders_per_substation": 2,
    "dps_per_feeder": 80,
    "meters_per_dp": 5,
}
NETWORKS = ("ieee8500", "synthetic")


def say(text: str) -> None:
    print(f"· {text}", flush=True)


def feeder_codes(network: str) -> list[str]:
    """The feeders of the demo's network as the database holds it (empty: not loaded)."""
    from topology.models import Device, Feeder

    if network == "ieee8500":
        feeders = Feeder.objects.filter(substation__feeder_model=IEEE8500_MODEL)
    else:
        with_devices = Device.objects.filter(kind="recloser", code__startswith="RC-")
        feeders = Feeder.objects.filter(id__in=with_devices.values("feeder_id"))
    return sorted(feeders.values_list("feeder_id", flat=True))


class OtherNetwork(Exception):
    """The database holds another network than the one asked for."""


def load_network(network: str) -> list[str]:
    """Load the network unless the database holds it; its meters start energized (a real
    network learns that from meter reads). Returns its feeders' codes.

    The demo's storms play on every feeder the database holds, so it holds one network:
    OtherNetwork when it holds another (an earlier --network, or a grid of your own)."""
    from topology.models import Feeder

    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}: one of {', '.join(NETWORKS)}")
    feeders = feeder_codes(network)
    others = set(Feeder.objects.values_list("feeder_id", flat=True)) - set(feeders)
    if others:
        held = [name for name in NETWORKS if name != network and feeder_codes(name)]
        raise OtherNetwork(
            f"the database holds another network ({len(others)} feeder(s)"
            + (f": --network {held[0]}" if held else ", a grid of its own")
            + f"), not {network}: start with a fresh OMS_DATA_DIR for {network}"
        )
    if feeders:
        say(f"network {network} already loaded ({len(feeders)} feeder(s))")
        return feeders
    if network == "ieee8500":
        _import_ieee8500()
    else:
        _import_synthetic()
    feeders = feeder_codes(network)
    _energize(feeders)
    return feeders


def _import_ieee8500() -> None:
    from topology.feeder_import import import_feeder_model
    from topology.feeder_model import build
    from topology.opendss import compile_model

    master, *redirects = (IEEE8500 / name for name in IEEE8500_FILES)
    raw = compile_model(master, redirects)
    # Run_RecloserSiting.DSS is a study script: after its relay it names a file the model does
    # not ship, and OpenDSS skips the rest of it (a warning import_feeder prints).
    model = build(raw, IEEE8500_ORIGIN)
    report = import_feeder_model(model, IEEE8500_MODEL)
    kinds: dict[str, int] = {}
    for device in model.devices:
        kinds[device["kind"]] = kinds.get(device["kind"], 0) + 1
    devices = ", ".join(f"{n} {kind}s" for kind, n in sorted(kinds.items()))
    say(
        f"network ieee8500 (IEEE 8500-node test feeder, BSD, {IEEE8500}): "
        f"{len(model.dps):,} DPs, {len(model.meters):,} meters, {devices} "
        f"(model {report.model})"
    )


def _import_synthetic() -> None:
    from oms.storm import generate_grid
    from topology.grid import import_grid

    with tempfile.TemporaryDirectory(prefix="oms-demo-grid-") as folder:
        summary = generate_grid(folder, seed=7, devices=True, **SYNTHETIC_GRID)
        report = import_grid(folder)
    if getattr(report, "errors", None):
        say(f"! grid import reported {len(report.errors)} problem(s)")
    say(
        f"network synthetic: {summary.substations} substations, {summary.feeders} feeders "
        f"with a recloser, a sectionalizer, fused laterals and ties each, {summary.dps} DPs, "
        f"{summary.meters:,} meters"
    )


def _energize(feeders: list[str]) -> None:
    from meters.models import Meter

    Meter.objects.filter(feeder__feeder_id__in=feeders, power_status="unknown").update(
        power_status="on", communication_status="online"
    )
