from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0007_sql_reports_are_not_telemetry'),
        ('topology', '0005_derived_mappings_without_db_fk'),
    ]
    operations = [
        RunSQLFile("topology", "0006_topology_rederive_meters.sql", 'DROP FUNCTION IF EXISTS topology_rederive_meters(_meter_ids bigint[]);'),
        RunSQLFile("topology", "0006_topology_refresh_meter_mappings.sql", '0002_topology_refresh_meter_mappings.sql'),
    ]
