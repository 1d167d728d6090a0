from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0005_sql_storm_speed'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("outages", "0006_outages_merge.sql", '0003_outages_merge.sql'),
        RunSQLFile("outages", "0006_outages_de_energize_device.sql", '0005_outages_de_energize_device.sql'),
        RunSQLFile("outages", "0006_outages_roll_up.sql", '0003_outages_roll_up.sql'),
    ]
