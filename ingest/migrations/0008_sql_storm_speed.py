from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0007_scada_affected_meters_as_view'),
        ('meters', '0008_sql_storm_speed'),
        ('outages', '0005_sql_storm_speed'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("ingest", "0008_scada_event_affected_meters.sql", 'DROP VIEW IF EXISTS scada_event_affected_meters;'),
        RunSQLFile("ingest", "0008_ingest_apply_scada_event.sql", '0006_ingest_apply_scada_event.sql'),
    ]
