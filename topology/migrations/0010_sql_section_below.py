from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0016_sql_lock_meters_feeders'),
        ('outages', '0019_sql_lock_feeders_bigint'),
        ('topology', '0009_sections_of_existing_grids'),
    ]
    operations = [
        RunSQLFile("topology", "0010_topology_section_below.sql", 'DROP FUNCTION IF EXISTS topology_section_below(_kind text, _code text);'),
    ]
