from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('outages', '0043_sql_feeder_holds_behind_open'),
    ]
    operations = [
        RunSQLFile("outages", "0044_outages_de_energize_device.sql", "0042_outages_de_energize_device.sql"),
        RunSQLFile("outages", "0044_outages_energize_device.sql", "0042_outages_energize_device.sql"),
    ]
