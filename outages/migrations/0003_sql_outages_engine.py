from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0005_raw_event_answer_and_unmatched_index'),
        ('meters', '0004_sql_meters'),
        ('outages', '0002_default_rules'),
        ('topology', '0003_sql_engine_topology'),
    ]
    operations = [
        RunSQLFile("outages", "0003_oms_active_outages.sql", 'DROP VIEW IF EXISTS oms_active_outages;'),
        RunSQLFile("outages", "0003_outages_announce.sql", 'DROP FUNCTION IF EXISTS outages_announce(_ids bigint[], _kind text);'),
        RunSQLFile("outages", "0003_outages_covering.sql", 'DROP FUNCTION IF EXISTS outages_covering(_meter_id bigint);'),
        RunSQLFile("outages", "0003_outages_link_meters.sql", 'DROP FUNCTION IF EXISTS outages_link_meters(_rows oms_evidence[], _inferred boolean);'),
        RunSQLFile("outages", "0003_outages_lock_feeders.sql", 'DROP FUNCTION IF EXISTS outages_lock_feeders(_feeder_ids bigint[]);'),
        RunSQLFile("outages", "0003_outages_log.sql", 'DROP FUNCTION IF EXISTS outages_log(_ids bigint[], _event_type text, _description text, _at timestamptz, _actor text, _metadata jsonb);'),
        RunSQLFile("outages", "0003_outages_rule.sql", 'DROP FUNCTION IF EXISTS outages_rule(_name text, _default numeric);'),
        RunSQLFile("outages", "0003_outages_infer_device_off.sql", 'DROP FUNCTION IF EXISTS outages_infer_device_off(_outage_id bigint);'),
        RunSQLFile("outages", "0003_outages_mark_restored.sql", 'DROP FUNCTION IF EXISTS outages_mark_restored(_ids bigint[], _at timestamptz, _reason text);'),
        RunSQLFile("outages", "0003_outages_merge.sql", 'DROP FUNCTION IF EXISTS outages_merge(_parent bigint, _children bigint[]);'),
        RunSQLFile("outages", "0003_outages_open.sql", 'DROP FUNCTION IF EXISTS outages_open(_scope text, _devices bigint[], _starts timestamptz[], _severity text, _root_cause text);'),
        RunSQLFile("outages", "0003_outages_weight.sql", 'DROP FUNCTION IF EXISTS outages_weight(_provider text);'),
        RunSQLFile("outages", "0003_outages_add_sources.sql", 'DROP FUNCTION IF EXISTS outages_add_sources(_rows oms_evidence[]);'),
        RunSQLFile("outages", "0003_outages_refresh.sql", 'DROP FUNCTION IF EXISTS outages_refresh(_ids bigint[]);'),
        RunSQLFile("outages", "0003_outages_transition.sql", 'DROP FUNCTION IF EXISTS outages_transition(_event_id text, _status text, _actor text, _note text, _etr timestamptz, _crew text);'),
        RunSQLFile("outages", "0003_outages_de_energize_device.sql", 'DROP FUNCTION IF EXISTS outages_de_energize_device(_scope text, _device_id bigint, _provider text, _source_event_id text, _event_time timestamptz, _severity text, _root_cause text);'),
        RunSQLFile("outages", "0003_outages_restore_meters.sql", 'DROP FUNCTION IF EXISTS outages_restore_meters(_rows oms_evidence[]);'),
        RunSQLFile("outages", "0003_outages_roll_up.sql", 'DROP FUNCTION IF EXISTS outages_roll_up(_dp_ids bigint[]);'),
        RunSQLFile("outages", "0003_outages_correlate.sql", 'DROP FUNCTION IF EXISTS outages_correlate(_rows oms_evidence[]);'),
        RunSQLFile("outages", "0003_outages_apply_meter_evidence.sql", 'DROP FUNCTION IF EXISTS outages_apply_meter_evidence(_events jsonb);'),
        RunSQLFile("outages", "0003_outages_energize_device.sql", 'DROP FUNCTION IF EXISTS outages_energize_device(_scope text, _device_id bigint, _provider text, _source_event_id text, _event_time timestamptz);'),
        RunSQLFile("outages", "0003_outages_apply_device_evidence.sql", 'DROP FUNCTION IF EXISTS outages_apply_device_evidence(_evidence text, _scope text, _device_id bigint, _provider text, _source_event_id text, _event_time timestamptz, _severity text, _root_cause text);'),
    ]
