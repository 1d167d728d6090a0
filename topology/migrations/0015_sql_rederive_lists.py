from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0024_sql_switching'),
        ('topology', '0014_python_defaults'),
    ]
    operations = [
        RunSQLFile("topology", "0015_topology_rederive_meters.sql", '0008_topology_rederive_meters.sql'),
    ]
