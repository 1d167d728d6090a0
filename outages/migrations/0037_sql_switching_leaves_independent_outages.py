from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [("outages", "0036_sql_predict_speed")]
    operations = [
        RunSQLFile("outages", "0037_outages_inside.sql", "DROP FUNCTION IF EXISTS outages_inside(text, bigint);"),
        RunSQLFile("outages", "0037_outages_independent.sql", "DROP FUNCTION IF EXISTS outages_independent(bigint[], timestamptz);"),
        RunSQLFile("outages", "0037_outages_de_energize_device.sql", "0035_outages_de_energize_device.sql"),
        RunSQLFile("outages", "0037_outages_energize_device.sql", "0031_outages_energize_device.sql"),
    ]
