"""`import_grid DIR`: load or update the grid from its CSVs."""

import argparse
import textwrap

from django.core.management.base import BaseCommand, CommandError

from topology.grid import FILES, import_grid

ABOUT = """\
Each file is UTF-8 CSV with a header row naming its columns, in any order; a file that is
missing is skipped. Codes (substation_id, feeder_id, dp_id, customer_id, meter_number, a
device's code) are the business ids, and a parent named by code must be in its file or
already loaded. Re-running updates, never duplicates; a bad row is reported as file:line and
the rest are kept. meter_type is smart (the default), kaifa, onu, conventional or prepaid;
telemetered is true or false; normal_state is closed or open."""


def columns_help() -> str:
    """The files and columns import_grid reads (from topology.grid.FILES: * = required)."""
    lines = ["files in DIR, in load order (* = required column):"]
    for spec in FILES:
        names = ", ".join(f"{c.name}*" if c.required else c.name for c in spec.columns)
        lines.append(f"  {spec.filename}")
        lines.extend(textwrap.wrap(names, 92, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines) + "\n\n" + ABOUT


class Command(BaseCommand):
    help = "Upsert the grid (substations, feeders, devices, DPs, customers, meters) from DIR."

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.update(epilog=columns_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the folder holding the CSV files")

    def handle(self, directory, **options):
        from pathlib import Path

        if not Path(directory).is_dir():
            raise CommandError(f"{directory} is not a folder")
        report = import_grid(directory, progress=lambda message: self.stdout.write(message))
        for error in report.errors:
            self.stderr.write(error)
        summary = ", ".join(f"{name}: {count}" for name, count in report.loaded.items())
        self.stdout.write(f"Loaded {summary}; {len(report.errors)} bad row(s) skipped.")
