from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0013_meters_power_without_statistics'),
        ('outages', '0016_sources_counted_as_they_arrive'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("meters", "0014_meters_record_power_evidence.sql", '0009_meters_record_power_evidence.sql'),
    ]
