from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0011_api_tokens_move_to_oms'),
        ('meters', '0017_unknown_status_only_recorded'),
        ('outages', '0023_inline_device_scopes'),
        ('topology', '0011_feeder_models_and_lines'),
    ]
    operations = [
        RunSQLFile("topology", "0012_topology_device_id.sql", '0002_topology_device_id.sql'),
        RunSQLFile("topology", "0012_topology_device_meter_ids.sql", '0004_topology_device_meter_ids.sql'),
        RunSQLFile("topology", "0012_topology_device_path.sql", '0003_topology_device_path.sql'),
    ]
