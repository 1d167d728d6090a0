from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0015_longest_source_keys'),
        ('outages', '0018_steward_deletes_recount_confidence'),
        ('topology', '0008_sql_derive_feeding'),
    ]
    operations = [
        RunSQLFile("outages", "0019_outages_lock_feeders.sql", '0003_outages_lock_feeders.sql'),
        RunSQLFile("outages", "0019_outages_lock_meters.sql", 'DROP FUNCTION IF EXISTS outages_lock_meters(_meter_ids bigint[]);'),
        RunSQLFile("outages", "0019_outages_apply_meter_evidence.sql", '0010_outages_apply_meter_evidence.sql'),
    ]
