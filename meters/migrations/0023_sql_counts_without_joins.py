from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0022_sql_counts_per_dp'),
        ('outages', '0033_sql_confidence'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("meters", "0023_meters_count_sections.sql", '0022_meters_count_sections.sql'),
        RunSQLFile("meters", "0023_meters_recount_sections.sql", '0021_meters_recount_sections.sql'),
    ]
