from django.db import migrations, models

from oms.sqlmigrations import RunSQLFile
from oms.sqlpartitioning import TableSpec, frozen_sql, to_partitioned, to_plain

# The audit trail partitioned by month on event_timestamp (see oms/sqlpartitioning.py).
STATUS_EVENTS = TableSpec(
    name="oms_meter_status_events",
    unique_before=("meter_status_event_source_unique", "source_type, source_event_id, meter_id"),
    unique_after=(
        "meter_status_event_source_unique",
        "source_type, source_event_id, meter_id, event_timestamp",
    ),
    indexes=[
        ("meter_status_events_time_idx", "(meter_id, event_timestamp DESC)"),
        ("oms_meter_status_events_meter_id_110fa18c", "(meter_id)"),
    ],
)
# scada_event_affected_meters is a view over the table: made again around the change.
VIEW = frozen_sql("ingest", "0008_scada_event_affected_meters.sql")
DROP_VIEW = "DROP VIEW IF EXISTS scada_event_affected_meters;"


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0008_sql_storm_speed'),
        ('meters', '0008_sql_storm_speed'),
        ('outages', '0005_sql_storm_speed'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        RunSQLFile("meters", "0009_oms_ensure_month_partitions.sql", 'DROP FUNCTION IF EXISTS oms_ensure_month_partitions(_table text, _from date, _months integer);'),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    DROP_VIEW + to_partitioned(STATUS_EVENTS) + VIEW,
                    DROP_VIEW + to_plain(STATUS_EVENTS) + VIEW,
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='meterstatusevent',
                    name='meter_status_event_source_unique',
                ),
                migrations.AddConstraint(
                    model_name='meterstatusevent',
                    constraint=models.UniqueConstraint(fields=('source_type', 'source_event_id', 'meter', 'event_timestamp'), name='meter_status_event_source_unique'),
                ),
            ],
        ),
        RunSQLFile("meters", "0009_meters_record_power_evidence.sql", '0008_meters_record_power_evidence.sql'),
    ]
