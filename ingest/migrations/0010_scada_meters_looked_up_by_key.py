from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0014_redelivery_probe_one_partition'),
        ('outages', '0016_sources_counted_as_they_arrive'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("ingest", "0010_scada_event_affected_meters.sql", '0008_scada_event_affected_meters.sql'),
    ]
