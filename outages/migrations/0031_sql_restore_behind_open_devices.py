from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [("outages", "0030_sql_predict_on_the_tree")]
    operations = [
        RunSQLFile("outages", "0031_outages_energize_device.sql", "0030_outages_energize_device.sql"),
        RunSQLFile("outages", "0031_outages_mark_restored.sql", "0025_outages_mark_restored.sql"),
    ]
