from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0007_scada_affected_meters_as_view'),
        ('meters', '0007_status_events_source_first'),
        ('outages', '0004_outage_meters_without_db_fk'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("meters", "0008_meters_record_power_evidence.sql", '0004_meters_record_power_evidence.sql'),
    ]
