from django.db import migrations, models

from oms.sqlmigrations import RunSQLFile
from oms.sqlpartitioning import TableSpec, frozen_sql, to_partitioned, to_plain

# The four feeds' raw tables partitioned by month on event_timestamp (oms/sqlpartitioning.py).
OUTAGE_FK = "FOREIGN KEY (outage_event_id) REFERENCES oms_outage_events(id) DEFERRABLE INITIALLY DEFERRED"
UNMATCHED = "(received_at) WHERE processing_status = 'unmatched'"


def raw_table(name, model, index_hash, fk_name, like_hash, extra_indexes=()):
    return TableSpec(
        name=name,
        unique_before=(f"{name}_source_event_id_key", "source_event_id"),
        unique_after=(f"{model}_source_event_unique", "source_event_id, event_timestamp"),
        indexes=[
            *extra_indexes,
            (f"{name}_outage_event_id_{index_hash}", "(outage_event_id)"),
            (f"{model}_unmatched_idx", UNMATCHED),
        ],
        foreign_keys=[(fk_name, OUTAGE_FK)],
        like_index=f"{name}_source_event_id_{like_hash}_like",
    )


TABLES = [
    raw_table(
        "scada_events", "scadaevent", "5b23673b",
        "scada_events_outage_event_id_5b23673b_fk_oms_outage_events_id", "7832b1f0",
        extra_indexes=[("scada_device_idx", "(substation_id, feeder_id)")],
    ),
    raw_table(
        "onu_events", "onuevent", "1a2b2c6f",
        "onu_events_outage_event_id_1a2b2c6f_fk_oms_outage_events_id", "549de58c",
    ),
    raw_table(
        "kaifa_events", "kaifaevent", "f35440e9",
        "kaifa_events_outage_event_id_f35440e9_fk_oms_outage_events_id", "29eea637",
    ),
    raw_table(
        "callcenter_tickets", "callcenterticket", "391614d5",
        "callcenter_tickets_outage_event_id_391614d5_fk_oms_outag", "eeafb730",
    ),
]
# scada_event_affected_meters is a view over scada_events: made again around the change.
VIEW = frozen_sql("ingest", "0008_scada_event_affected_meters.sql")
DROP_VIEW = "DROP VIEW IF EXISTS scada_event_affected_meters;"


def state_operations():
    operations = []
    for model in ("callcenterticket", "kaifaevent", "onuevent", "scadaevent"):
        operations.append(
            migrations.AlterField(
                model_name=model, name='source_event_id', field=models.CharField(max_length=300)
            )
        )
    for model in ("callcenterticket", "kaifaevent", "onuevent", "scadaevent"):
        operations.append(
            migrations.AddConstraint(
                model_name=model,
                constraint=models.UniqueConstraint(
                    fields=('source_event_id', 'event_timestamp'),
                    name=f'{model}_source_event_unique',
                ),
            )
        )
    return operations


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0008_sql_storm_speed'),
        ('meters', '0009_partitioned_status_events'),
        ('outages', '0005_sql_storm_speed'),
        ('topology', '0004_sql_storm_speed'),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    DROP_VIEW + "".join(to_partitioned(t) for t in TABLES) + VIEW,
                    DROP_VIEW + "".join(to_plain(t) for t in TABLES) + VIEW,
                ),
            ],
            state_operations=state_operations(),
        ),
        RunSQLFile("ingest", "0009_insert_scada_event_with_meter_check.sql", '0006_insert_scada_event_with_meter_check.sql'),
    ]
