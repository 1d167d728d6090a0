"""Sections' counts of what they feed (meters, meters off, customers), kept by a trigger on
the meters and the DPs, and counted once for the grid already there."""

from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ("meters", "0020_sql_trip_speed"),
        ("topology", "0018_section_counts"),
    ]
    operations = [
        RunSQLFile(
            "meters",
            "0021_meters_recount_sections.sql",
            "DROP FUNCTION IF EXISTS meters_recount_sections(_section_ids bigint[]);",
        ),
        RunSQLFile(
            "meters",
            "0021_meters_count_sections.sql",
            "DROP FUNCTION IF EXISTS meters_count_sections() CASCADE;",
        ),
        migrations.RunSQL(
            "SELECT meters_recount_sections(NULL);", reverse_sql=migrations.RunSQL.noop
        ),
    ]
