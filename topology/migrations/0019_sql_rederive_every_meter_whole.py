from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0023_sql_counts_without_joins'),
        ('outages', '0034_pending_evidence_and_replacement'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("topology", "0019_topology_rederive_meters.sql", '0016_topology_rederive_meters.sql'),
    ]
