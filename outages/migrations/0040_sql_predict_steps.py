from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0039_sql_trip_writes'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("outages", "0040_outages_predict.sql", '0036_outages_predict.sql'),
        RunSQLFile("outages", "0040_outages_predict_steps.sql", 'DROP FUNCTION IF EXISTS outages_predict_steps(_feeder_ids bigint[], _kinds text[]);'),
    ]
