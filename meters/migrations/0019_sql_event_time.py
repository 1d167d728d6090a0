from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0013_stale_status'),
        ('meters', '0018_event_frontier'),
        ('outages', '0020_event_time_rules'),
        ('topology', '0010_sql_section_below'),
    ]
    operations = [
        RunSQLFile("meters", "0019_meters_event_time_limits.sql", 'DROP FUNCTION IF EXISTS meters_event_time_limits();'),
        RunSQLFile("meters", "0019_meters_advance_frontier.sql", 'DROP FUNCTION IF EXISTS meters_advance_frontier(_rows oms_evidence[]);'),
        RunSQLFile("meters", "0019_meters_check_event_times.sql", 'DROP FUNCTION IF EXISTS meters_check_event_times(_times timestamptz[], _field text);'),
        RunSQLFile("meters", "0019_meters_record_power_evidence.sql", '0014_meters_record_power_evidence.sql'),
        RunSQLFile("meters", "0019_update_meter_status.sql", '0017_update_meter_status.sql'),
    ]
