from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0045_sql_back_with_its_transformer'),
        ('topology', '0019_sql_rederive_every_meter_whole'),
    ]
    operations = [
        RunSQLFile("outages", "0046_outages_refresh.sql", '0041_outages_refresh.sql'),
    ]
