from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0009_partitioned_raw_events'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0008_sql_correlate_without_meter_outage_churn'),
        ('topology', '0006_sql_rederive_meters'),
    ]
    operations = [
        RunSQLFile("outages", "0009_outages_infer_devices_off.sql", 'DROP FUNCTION IF EXISTS outages_infer_devices_off(_outage_ids bigint[]);'),
        RunSQLFile("outages", "0009_outages_roll_up.sql", '0008_outages_roll_up.sql'),
        # Replaced by the set-based outages_infer_devices_off.
        RunSQLFile(
            "outages",
            "DROP FUNCTION outages_infer_device_off(_outage_id bigint);",
            "0003_outages_infer_device_off.sql",
        ),
    ]
