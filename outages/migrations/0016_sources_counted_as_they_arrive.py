from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0013_meters_power_without_statistics'),
        ('outages', '0015_outage_source_counts'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0016_oms_active_outages.sql", '0003_oms_active_outages.sql'),
        RunSQLFile("outages", "0016_outages_count_sources.sql", 'DROP TRIGGER IF EXISTS oms_event_sources_counted_in ON oms_event_sources;'
                    ' DROP TRIGGER IF EXISTS oms_event_sources_counted_out ON oms_event_sources;'
                    ' DROP FUNCTION IF EXISTS outages_count_sources();'),
    ]
