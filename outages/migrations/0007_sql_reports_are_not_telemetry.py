from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0006_sql_rollup_windows_and_blips'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("outages", "0007_outages_link_meters.sql", '0003_outages_link_meters.sql'),
    ]
