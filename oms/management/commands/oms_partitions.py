"""`oms_partitions ensure|archive|list`: the monthly partitions of the history tables."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oms import partitions


class Command(BaseCommand):
    help = (
        "Make the coming months' partitions of the event tables (ensure), archive and drop "
        "old months (archive), or list them (list)."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        ensure = commands.add_parser("ensure", help="create partitions ahead of time")
        ensure.add_argument("--months-ahead", type=int, default=3)
        ensure.add_argument(
            "--from", dest="start", help="YYYY-MM: also make the months from this one (backfill)"
        )
        archive = commands.add_parser("archive", help="detach, copy out and drop old months")
        archive.add_argument("--before", required=True, help="YYYY-MM: months before it go")
        archive.add_argument("--to", type=Path, help="folder for <partition>.csv.gz copies")
        commands.add_parser("list", help="partitions and their estimated row counts")

    def handle(self, action, **options):
        try:
            if action == "ensure":
                start = partitions.parse_month(options["start"]) if options["start"] else None
                if options["months_ahead"] < 0:
                    raise CommandError("--months-ahead must be 0 or more")
                created = partitions.ensure(options["months_ahead"], start)
                for name in created:
                    self.stdout.write(f"created {name}")
                self.stdout.write(f"{len(created)} partition(s) created.")
            elif action == "archive":
                before = partitions.parse_month(options["before"])
                for item in partitions.archive(before, options["to"]):
                    where = f" -> {item.file}" if item.file else " (dropped, no copy)"
                    self.stdout.write(f"archived {item.name}: {item.rows} row(s){where}")
            else:
                for table in partitions.PARTITIONED_TABLES:
                    for part in partitions.partitions(table):
                        bounds = (
                            f"{part.lower:%Y-%m-%d} .. {part.upper:%Y-%m-%d}"
                            if part.lower
                            else "DEFAULT"
                        )
                        self.stdout.write(f"{part.name}\t{bounds}\t~{part.rows} rows")
        except ValueError as error:
            raise CommandError(str(error)) from error
