from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0024_sql_switching'),
        ('topology', '0015_sql_rederive_lists'),
    ]
    operations = [
        RunSQLFile("topology", "0016_topology_rederive_meters.sql", '0015_topology_rederive_meters.sql'),
    ]
