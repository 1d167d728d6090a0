"""`sqlmigration APP`: freeze every changed `APP/sql/*.sql` into a new migration.

Each changed file is copied to `APP/migrations/sql/NNNN_<name>.sql` and installed by a
`RunSQLFile` whose reverse is the previous frozen copy, or a DROP for a new object.
"""

import shutil

from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader

from oms.sqlfiles import ROOT, current_files, drop_statement, frozen_files

TEMPLATE = """from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
{dependencies}
    ]
    operations = [
{operations}
    ]
"""


def _dependency_order(items):
    """Objects that others mention come first (SQL functions and views are checked on CREATE)."""
    ordered, remaining = [], dict(items)
    while remaining:
        ready = [
            stem
            for stem, path in remaining.items()
            if not any(other in path.read_text() for other in remaining if other != stem)
        ] or sorted(remaining)[:1]
        for stem in sorted(ready):
            ordered.append((stem, remaining.pop(stem)))
    return ordered


class Command(BaseCommand):
    help = "Create a migration that installs the changed SQL files of APP."

    def add_arguments(self, parser):
        parser.add_argument("app")
        parser.add_argument("--name", default="sql")
        parser.add_argument("--after", nargs="*", default=[], help="extra app.migration deps")

    def handle(self, app, name, after, **options):
        frozen = frozen_files(app)
        changed = [
            (stem, path)
            for stem, path in current_files(app).items()
            if stem not in frozen or frozen[stem].read_text() != path.read_text()
        ]
        changed = _dependency_order(changed)
        if not changed:
            self.stdout.write("No SQL changes.")
            return
        loader = MigrationLoader(None, ignore_no_migrations=True)
        leaves = loader.graph.leaf_nodes()
        own = [leaf for leaf in leaves if leaf[0] == app]
        if len(own) != 1:
            raise CommandError(f"{app} must have exactly one leaf migration, has {own}")
        number = int(own[0][1][:4]) + 1
        deps = {own[0]} | {
            leaf for leaf in leaves if leaf[0] in {"topology", "meters", "outages", "ingest"}
        }
        deps |= {tuple(item.split(".", 1)) for item in after}
        operations = []
        for stem, path in changed:
            target = ROOT / app / "migrations" / "sql" / f"{number:04d}_{stem}.sql"
            shutil.copyfile(path, target)
            reverse = frozen[stem].name if stem in frozen else drop_statement(path.read_text())
            operations.append(f'        RunSQLFile("{app}", "{target.name}", {reverse!r}),')
        migration = ROOT / app / "migrations" / f"{number:04d}_{name}.py"
        migration.write_text(
            TEMPLATE.format(
                dependencies="\n".join(f"        {dep!r}," for dep in sorted(deps)),
                operations="\n".join(operations),
            )
        )
        self.stdout.write(f"Wrote {migration.relative_to(ROOT)} ({len(changed)} SQL file(s)).")
