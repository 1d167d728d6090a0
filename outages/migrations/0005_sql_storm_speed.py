from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0007_scada_affected_meters_as_view'),
        ('meters', '0008_sql_storm_speed'),
        ('outages', '0004_outage_meters_without_db_fk'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("outages", "0005_outages_de_energize_device.sql", '0003_outages_de_energize_device.sql'),
        RunSQLFile("outages", "0005_outages_energize_device.sql", '0003_outages_energize_device.sql'),
    ]
