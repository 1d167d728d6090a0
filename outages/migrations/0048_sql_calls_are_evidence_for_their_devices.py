from django.db import migrations

from oms.sqlmigrations import RunSQLFile
from outages.defaults import rule_installer


class Migration(migrations.Migration):
    dependencies = [("outages", "0047_sql_predict_ripe_cheap_tests_first")]
    operations = [
        migrations.RunPython(*rule_installer("dp_call_count")),
        # dp_call_count customers of one DP calling within the window make a DP outage.
        RunSQLFile("outages", "0048_outages_roll_up.sql", "0034_outages_roll_up.sql"),
        # A DP where a customer called (a meter outage of calls alone) counts in the climb.
        RunSQLFile("outages", "0048_outages_predict_units.sql", "0030_outages_predict_units.sql"),
        # An in-line device's outage of calls alone is over once its meters with a channel are.
        RunSQLFile("outages", "0048_outages_refresh.sql", "0046_outages_refresh.sql"),
    ]  # fmt: skip
