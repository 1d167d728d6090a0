from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0020_sql_trip_speed'),
        ('outages', '0025_restoration_time'),
        ('topology', '0016_sql_rederive_semi_join'),
    ]
    operations = [
        RunSQLFile("outages", "0026_outages_link_meters.sql", '0007_outages_link_meters.sql'),
        RunSQLFile("outages", "0026_outages_de_energize_device.sql", '0024_outages_de_energize_device.sql'),
    ]
