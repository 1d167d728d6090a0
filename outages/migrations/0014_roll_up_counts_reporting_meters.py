from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0013_meters_power_without_statistics'),
        ('outages', '0013_refresh_counts_links_once'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0014_outages_roll_up.sql", '0011_outages_roll_up.sql'),
    ]
