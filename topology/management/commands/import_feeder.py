"""`import_feeder opendss MASTER [--redirect FILE …] [--prefix P] [--origin LAT,LNG]`: load or
update a real feeder model (CONTRACT.md §10) through the OpenDSS engine."""

import time

from django.core.management.base import BaseCommand, CommandError

from topology.feeder_import import ImportRefused, import_feeder_model, prefixed
from topology.feeder_model import build
from topology.opendss import ModelError, compile_model


def _origin(value: str) -> tuple[float, float]:
    try:
        lat, lng = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise CommandError(f"--origin: expected LAT,LNG, got {value!r}") from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise CommandError(f"--origin: {value!r} is not a latitude,longitude")
    return lat, lng


class Command(BaseCommand):
    help = (
        "Import substations, feeders, sections, devices, DPs, customers and meters from an "
        "OpenDSS model (compiled by opendssdirect.py); re-running it updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("format", choices=["opendss"])
        parser.add_argument("master", help="the model's master .dss file")
        parser.add_argument(
            "--redirect",
            action="append",
            default=[],
            metavar="FILE",
            help="a .dss file run after the master (repeatable, in order)",
        )
        parser.add_argument(
            "--buscoords",
            metavar="FILE",
            help="bus coordinates (bus, x, y per line) the model does not load itself",
        )
        parser.add_argument("--prefix", default="", help="prepended to every code of the model")
        parser.add_argument(
            "--origin",
            help="LAT,LNG where the centre of the model's planar x,y is placed (default 0,0; "
            "coordinates already in degrees are kept)",
        )
        parser.add_argument(
            "--units",
            choices=["ft", "m"],
            default="ft",
            help="unit of the model's planar bus coordinates (default ft)",
        )

    def handle(self, format, master, redirect, buscoords, prefix, origin, units, **options):
        say = self.stdout.write
        started = time.perf_counter()
        origin = _origin(origin) if origin else None
        try:
            raw = compile_model(master, redirect, buscoords)
        except ModelError as exc:
            raise CommandError(f"not imported: {exc}") from exc
        say(
            f"compiled {raw.circuit}: {len(raw.lines):,} lines, {len(raw.transformers):,} "
            f"transformers, {len(raw.loads):,} loads ({time.perf_counter() - started:.1f} s)"
        )
        model = prefixed(build(raw, origin, units), prefix)
        for warning in model.warnings:
            self.stderr.write(f"warning: {warning}")
        say(
            f"network: {len(model.substations)} substation(s), {len(model.feeders)} feeder(s), "
            f"{len(model.sections):,} sections, {len(model.devices):,} devices, "
            f"{len(model.dps):,} DPs, {len(model.meters):,} meters, {len(model.lines):,} lines"
        )
        try:
            report = import_feeder_model(model, f"{prefix}{raw.circuit}", progress=say)
        except ImportRefused as exc:
            raise CommandError(f"not imported: {exc}") from exc
        say(f"imported model {report.model} in {time.perf_counter() - started:.1f} s")
