"""`import_grid DIR`: load or update the grid from its five CSVs."""

from django.core.management.base import BaseCommand, CommandError

from topology.grid import import_grid


class Command(BaseCommand):
    help = "Upsert substations, feeders, distribution points, customers and meters from DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        from pathlib import Path

        if not Path(directory).is_dir():
            raise CommandError(f"{directory} is not a folder")
        report = import_grid(directory, progress=lambda message: self.stdout.write(message))
        for error in report.errors:
            self.stderr.write(error)
        summary = ", ".join(f"{name}: {count}" for name, count in report.loaded.items())
        self.stdout.write(f"Loaded {summary}; {len(report.errors)} bad row(s) skipped.")
