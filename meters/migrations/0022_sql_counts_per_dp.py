from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0021_section_counts'),
        ('outages', '0030_sql_predict_on_the_tree'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("meters", "0022_meters_count_sections.sql", '0021_meters_count_sections.sql'),
        RunSQLFile("meters", "0022_meters_record_power_evidence.sql", '0020_meters_record_power_evidence.sql'),
    ]
