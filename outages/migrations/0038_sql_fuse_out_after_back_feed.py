from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [("outages", "0037_sql_switching_leaves_independent_outages")]
    operations = [
        RunSQLFile("outages", "0038_outages_refresh.sql", "0033_outages_refresh.sql"),
    ]
