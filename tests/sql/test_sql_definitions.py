"""The SQL the migrations install is the SQL in the apps' sql/ folders, and nothing else."""

import pytest
from django.db import connection

from oms.sqlfiles import SQL_APPS, current_files, defined_functions, frozen_files


@pytest.mark.parametrize("app", SQL_APPS)
def test_current_sql_equals_its_newest_frozen_copy(app):
    frozen = frozen_files(app)
    for name, path in current_files(app).items():
        assert name in frozen, f"{path} has no migration: run `manage.py sqlmigration {app}`"
        assert frozen[name].read_text() == path.read_text(), (
            f"{path} differs from {frozen[name].name}: run `manage.py sqlmigration {app}`"
        )


def test_database_holds_exactly_the_defined_functions(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
            """
        )
        installed = {name for (name,) in cursor.fetchall()}
    assert installed == defined_functions()


def test_every_migration_is_reversible(django_db_blocker, django_db_setup):
    """Back to before the engine and forward again, on the test database."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("migrate", "topology", "0001", verbosity=0)
        assert installed_count("outages_correlate", "get_meters_by_feeder") == 0
        call_command("migrate", verbosity=0)
        assert installed_count("outages_correlate", "get_meters_by_feeder") == 2


def installed_count(*names: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = ANY(%s)", [list(names)])
        return cursor.fetchone()[0]
