from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0005_raw_event_answer_and_unmatched_index'),
        ('meters', '0003_evidence_type'),
        ('outages', '0002_default_rules'),
        ('topology', '0002_sql_topology'),
    ]
    operations = [
        RunSQLFile("topology", "0003_network_feeders_with_meters.sql", 'DROP VIEW IF EXISTS network_feeders_with_meters;'),
        RunSQLFile("topology", "0003_network_substations_with_meters.sql", 'DROP VIEW IF EXISTS network_substations_with_meters;'),
        RunSQLFile("topology", "0003_topology_device_meter_ids.sql", 'DROP FUNCTION IF EXISTS topology_device_meter_ids(_scope text, _device_id bigint);'),
        RunSQLFile("topology", "0003_topology_device_path.sql", 'DROP FUNCTION IF EXISTS topology_device_path(_scope text, _device_id bigint);'),
        RunSQLFile("topology", "0003_topology_meters_fed_from.sql", '0002_topology_meters_fed_from.sql'),
    ]
