from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0011_api_tokens_move_to_oms'),
        ('meters', '0017_unknown_status_only_recorded'),
        ('outages', '0019_sql_lock_feeders_bigint'),
        ('topology', '0009_sections_of_existing_grids'),
    ]
    operations = [
        RunSQLFile("ingest", "0012_ingest_apply_scada_event.sql", '0008_ingest_apply_scada_event.sql'),
    ]
