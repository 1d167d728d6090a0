from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0007_sql_reports_are_not_telemetry'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0008_outages_place.sql", 'DROP FUNCTION IF EXISTS outages_place(_rows oms_evidence[]);'),
        # outages_roll_up gains a parameter: drop the old signature, create the new one.
        RunSQLFile(
            "outages",
            "DROP FUNCTION outages_roll_up(_dp_ids bigint[]);",
            "0006_outages_roll_up.sql",
        ),
        RunSQLFile(
            "outages",
            "0008_outages_roll_up.sql",
            "DROP FUNCTION outages_roll_up(_dp_ids bigint[], _pending oms_evidence[]);",
        ),
        RunSQLFile("outages", "0008_outages_correlate.sql", '0003_outages_correlate.sql'),
        # No longer used: outages_place answers for a whole set at once.
        RunSQLFile(
            "outages",
            "DROP FUNCTION outages_covering(_meter_id bigint);",
            "0003_outages_covering.sql",
        ),
    ]
