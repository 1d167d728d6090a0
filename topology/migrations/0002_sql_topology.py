from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0004_api_tokens'),
        ('meters', '0002_initial'),
        ('outages', '0002_default_rules'),
        ('topology', '0001_initial'),
    ]
    operations = [
        RunSQLFile("topology", "0002_topology_device_id.sql", 'DROP FUNCTION IF EXISTS topology_device_id(_scope text, _code text);'),
        RunSQLFile("topology", "0002_topology_refresh_meter_mappings.sql", 'DROP FUNCTION IF EXISTS topology_refresh_meter_mappings();'),
        RunSQLFile("topology", "0002_topology_meters_fed_from.sql", 'DROP FUNCTION IF EXISTS topology_meters_fed_from(_scope text, _code text);'),
        RunSQLFile("topology", "0002_get_meters_by_feeder.sql", 'DROP FUNCTION IF EXISTS get_meters_by_feeder(p_feeder_id text);'),
        RunSQLFile("topology", "0002_get_meters_by_substation.sql", 'DROP FUNCTION IF EXISTS get_meters_by_substation(p_substation_id text);'),
    ]
