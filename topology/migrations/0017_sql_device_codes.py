from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0016_sql_device_status'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0025_restoration_time'),
        ('topology', '0016_sql_rederive_semi_join'),
    ]
    operations = [
        RunSQLFile("topology", "0017_topology_codes.sql", 'DROP FUNCTION IF EXISTS topology_codes(_scope text);'),
        RunSQLFile("topology", "0017_topology_device_code.sql", '0013_topology_device_code.sql'),
        RunSQLFile("topology", "0017_topology_device_id.sql", '0012_topology_device_id.sql'),
    ]
