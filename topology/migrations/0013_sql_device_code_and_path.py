from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0011_api_tokens_move_to_oms'),
        ('meters', '0017_unknown_status_only_recorded'),
        ('outages', '0024_sql_switching'),
        ('topology', '0012_sql_inline_devices'),
    ]
    operations = [
        RunSQLFile("topology", "0013_topology_device_code.sql", 'DROP FUNCTION IF EXISTS topology_device_code(_scope text, _device_id bigint);'),
        RunSQLFile("topology", "0013_topology_path_above.sql", 'DROP FUNCTION IF EXISTS topology_path_above(_scope text, _device_id bigint);'),
    ]
