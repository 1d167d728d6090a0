from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0013_stale_status'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0021_sql_event_time'),
        ('topology', '0010_sql_section_below'),
    ]
    operations = [
        RunSQLFile("ingest", "0014_ingest_apply_scada_event.sql", '0012_ingest_apply_scada_event.sql'),
        RunSQLFile("ingest", "0014_process_scada_event_meters_by_id.sql", 'DROP FUNCTION IF EXISTS process_scada_event_meters(p_scada_event_id bigint, p_substation_id text, p_feeder_id text, p_event_timestamp timestamptz);'),
        RunSQLFile("ingest", "0014_insert_scada_event_with_meter_check.sql", '0009_insert_scada_event_with_meter_check.sql'),
    ]
