from django.db import migrations

from oms.sqlmigrations import RunSQLFile
from outages.defaults import PREDICTION_RULES, rule_installer


class Migration(migrations.Migration):
    dependencies = [("outages", "0029_sql_rule_sets")]
    operations = [
        migrations.RunPython(*rule_installer(*(name for name, *_ in PREDICTION_RULES))),
        RunSQLFile("outages", "0030_outages_predict_units.sql", "DROP FUNCTION IF EXISTS outages_predict_units(bigint[]);"),
        RunSQLFile("outages", "0030_outages_predict_ripe.sql", "DROP FUNCTION IF EXISTS outages_predict_ripe(text, bigint[], bigint[], interval);"),
        RunSQLFile("outages", "0030_outages_predict.sql", "DROP FUNCTION IF EXISTS outages_predict(bigint[]);"),
        RunSQLFile("outages", "0030_outages_stand_at.sql", "0022_outages_stand_at.sql"),
        RunSQLFile("outages", "0030_outages_roll_up.sql", "0022_outages_roll_up.sql"),
        RunSQLFile("outages", "0030_outages_de_energize_device.sql", "0026_outages_de_energize_device.sql"),
        RunSQLFile("outages", "0030_outages_energize_device.sql", "0024_outages_energize_device.sql"),
    ]
