from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0015_longest_source_keys'),
        ('outages', '0019_sql_lock_feeders_bigint'),
        ('topology', '0008_sql_derive_feeding'),
    ]
    operations = [
        RunSQLFile("meters", "0016_update_meter_status.sql", '0004_update_meter_status.sql'),
    ]
