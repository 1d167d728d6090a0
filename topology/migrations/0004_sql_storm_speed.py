from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0007_scada_affected_meters_as_view'),
        ('meters', '0007_status_events_source_first'),
        ('outages', '0004_outage_meters_without_db_fk'),
        ('topology', '0003_sql_engine_topology'),
    ]
    operations = [
        RunSQLFile("topology", "0004_topology_device_meter_ids.sql", '0003_topology_device_meter_ids.sql'),
    ]
