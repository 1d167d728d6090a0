from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0028_rule_sets_required'),
        ('topology', '0016_sql_rederive_semi_join'),
    ]
    operations = [
        RunSQLFile("outages", "0029_outages_announce_rules.sql", 'DROP FUNCTION IF EXISTS outages_announce_rules(_switch_id bigint);'),
        RunSQLFile("outages", "0029_outages_rule.sql", '0003_outages_rule.sql'),
    ]
