from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0024_sql_redelivery_once'),
        ('outages', '0038_sql_fuse_out_after_back_feed'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("outages", "0039_outages_link_meters.sql", '0026_outages_link_meters.sql'),
        RunSQLFile("outages", "0039_outages_de_energize_device.sql", '0037_outages_de_energize_device.sql'),
    ]
