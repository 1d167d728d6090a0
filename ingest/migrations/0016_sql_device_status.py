from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0015_device_status'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0024_sql_switching'),
        ('topology', '0016_sql_rederive_semi_join'),
    ]
    operations = [
        RunSQLFile("ingest", "0016_ingest_scada_answer.sql", '0006_ingest_scada_answer.sql'),
        RunSQLFile("ingest", "0016_ingest_scada_device.sql", 'DROP FUNCTION IF EXISTS ingest_scada_device(_kind text, _code text, _feeder text, _substation text);'),
        RunSQLFile("ingest", "0016_ingest_apply_scada_event.sql", '0014_ingest_apply_scada_event.sql'),
        RunSQLFile("ingest", "0016_insert_scada_event_with_meter_check.sql", '0014_insert_scada_event_with_meter_check.sql'),
    ]
