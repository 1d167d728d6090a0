from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0023_inline_device_scopes'),
        ('topology', '0012_sql_inline_devices'),
    ]
    operations = [
        RunSQLFile("outages", "0024_outages_announce_switching.sql", 'DROP FUNCTION IF EXISTS outages_announce_switching(_operation_id bigint);'),
        RunSQLFile("outages", "0024_outages_energize_device.sql", '0022_outages_energize_device.sql'),
        RunSQLFile("outages", "0024_outages_open.sql", '0022_outages_open.sql'),
        RunSQLFile("outages", "0024_outages_place.sql", '0022_outages_place.sql'),
        RunSQLFile("outages", "0024_outages_de_energize_device.sql", '0022_outages_de_energize_device.sql'),
    ]
