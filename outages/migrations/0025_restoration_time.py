from django.db import migrations

from oms.sqlmigrations import RunSQLFile
from outages.defaults import rule_installer


class Migration(migrations.Migration):
    dependencies = [
        ("outages", "0024_sql_switching"),
        ("topology", "0016_sql_rederive_semi_join"),
    ]
    operations = [
        migrations.RunPython(*rule_installer("restoration_step_minutes")),
        RunSQLFile("outages", "0025_outages_mark_restored.sql", '0022_outages_mark_restored.sql'),
        RunSQLFile("outages", "0025_outages_refine_restore_times.sql", 'DROP FUNCTION IF EXISTS outages_refine_restore_times(_rows oms_evidence[]);'),
        RunSQLFile("outages", "0025_outages_restore_meters.sql", '0022_outages_restore_meters.sql'),
        RunSQLFile("outages", "0025_outages_apply_meter_evidence.sql", '0021_outages_apply_meter_evidence.sql'),
    ]
