from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0016_sql_lock_meters_feeders'),
        ('outages', '0019_sql_lock_feeders_bigint'),
        ('topology', '0009_sections_of_existing_grids'),
    ]
    operations = [
        RunSQLFile("meters", "0017_update_meter_status.sql", '0016_update_meter_status.sql'),
    ]
