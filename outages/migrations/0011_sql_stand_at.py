from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0010_customer_phone_digits_index'),
        ('outages', '0010_sql_stale_reports_open_nothing'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0011_outages_stand_at.sql", 'DROP FUNCTION IF EXISTS outages_stand_at(_scope text, _devices bigint[], _starts timestamptz[], _severity text);'),
        RunSQLFile("outages", "0011_outages_roll_up.sql", '0009_outages_roll_up.sql'),
    ]
