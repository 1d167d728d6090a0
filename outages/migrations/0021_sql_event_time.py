from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0013_stale_status'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0020_event_time_rules'),
        ('topology', '0010_sql_section_below'),
    ]
    operations = [
        RunSQLFile("outages", "0021_outages_apply_device_evidence.sql", '0003_outages_apply_device_evidence.sql'),
        RunSQLFile("outages", "0021_outages_apply_meter_evidence.sql", '0019_outages_apply_meter_evidence.sql'),
    ]
