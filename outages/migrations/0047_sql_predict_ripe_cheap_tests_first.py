from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0046_sql_refresh_nested_once'),
        ('topology', '0019_sql_rederive_every_meter_whole'),
    ]
    operations = [
        RunSQLFile("outages", "0047_outages_predict_ripe.sql", '0036_outages_predict_ripe.sql'),
    ]
