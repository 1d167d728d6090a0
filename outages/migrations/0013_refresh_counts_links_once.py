from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0012_meters_half_full_pages'),
        ('outages', '0012_lean_indexes'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0013_outages_refresh.sql", '0003_outages_refresh.sql'),
    ]
