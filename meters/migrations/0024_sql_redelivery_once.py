from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0023_sql_counts_without_joins'),
        ('outages', '0036_sql_predict_speed'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("meters", "0024_meters_record_power_evidence.sql", '0022_meters_record_power_evidence.sql'),
    ]
