from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0005_raw_event_answer_and_unmatched_index'),
        ('meters', '0003_evidence_type'),
        ('outages', '0002_default_rules'),
        ('topology', '0003_sql_engine_topology'),
    ]
    operations = [
        RunSQLFile("meters", "0004_meters_record_power_evidence.sql", 'DROP FUNCTION IF EXISTS meters_record_power_evidence(_rows oms_evidence[]);'),
        RunSQLFile("meters", "0004_oms_meters_with_topology.sql", 'DROP VIEW IF EXISTS oms_meters_with_topology;'),
        RunSQLFile("meters", "0004_update_meter_status.sql", 'DROP FUNCTION IF EXISTS update_meter_status(p_meter_number text, p_new_status text, p_event_type text, p_source_type text, p_source_event_id text, p_event_timestamp timestamptz, p_metadata jsonb);'),
    ]
