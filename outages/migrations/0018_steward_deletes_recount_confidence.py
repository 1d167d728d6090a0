from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0015_longest_source_keys'),
        ('outages', '0017_longest_source_keys'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0018_outages_count_sources.sql", '0016_outages_count_sources.sql'),
        RunSQLFile("outages", "0018_outages_refresh.sql", '0013_outages_refresh.sql'),
    ]
