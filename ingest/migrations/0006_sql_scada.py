from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0005_raw_event_answer_and_unmatched_index'),
        ('meters', '0004_sql_meters'),
        ('outages', '0003_sql_outages_engine'),
        ('topology', '0003_sql_engine_topology'),
    ]
    operations = [
        RunSQLFile("ingest", "0006_ingest_normalized_severity.sql", 'DROP FUNCTION IF EXISTS ingest_normalized_severity(_severity text);'),
        RunSQLFile("ingest", "0006_ingest_scada_answer.sql", 'DROP FUNCTION IF EXISTS ingest_scada_answer(_scada_event_id bigint);'),
        RunSQLFile("ingest", "0006_ingest_vocabulary_evidence.sql", 'DROP FUNCTION IF EXISTS ingest_vocabulary_evidence(_provider text, _field text, _code text);'),
        RunSQLFile("ingest", "0006_ingest_apply_scada_event.sql", 'DROP FUNCTION IF EXISTS ingest_apply_scada_event(_scada_event_id bigint);'),
        RunSQLFile("ingest", "0006_insert_scada_event_with_meter_check.sql", 'DROP FUNCTION IF EXISTS insert_scada_event_with_meter_check(p_event jsonb);'),
        RunSQLFile("ingest", "0006_process_scada_event_meters.sql", 'DROP FUNCTION IF EXISTS process_scada_event_meters(p_scada_event_id text, p_substation_id text, p_feeder_id text, p_event_timestamp timestamptz);'),
    ]
