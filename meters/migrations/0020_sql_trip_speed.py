from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0024_sql_switching'),
        ('topology', '0016_sql_rederive_semi_join'),
    ]
    operations = [
        RunSQLFile("meters", "0020_meters_record_power_evidence.sql", '0019_meters_record_power_evidence.sql'),
    ]
