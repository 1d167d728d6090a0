from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0041_sql_nested_faults_and_call_restoration'),
        ('topology', '0019_sql_rederive_every_meter_whole'),
    ]
    operations = [
        RunSQLFile("outages", "0042_outages_de_energize_device.sql", '0041_outages_de_energize_device.sql'),
        RunSQLFile("outages", "0042_outages_energize_device.sql", '0041_outages_energize_device.sql'),
    ]
