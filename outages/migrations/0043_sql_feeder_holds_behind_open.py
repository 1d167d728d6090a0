from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0042_sql_nested_lockouts'),
        ('topology', '0019_sql_rederive_every_meter_whole'),
    ]
    operations = [
        RunSQLFile("outages", "0043_outages_mark_restored.sql", '0031_outages_mark_restored.sql'),
    ]
