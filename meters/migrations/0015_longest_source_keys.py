from django.db import migrations, models

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    """A KAIFA source key is `message_id/event_id`, up to 281 characters: room for 300, as the
    raw tables have. The view over these rows is set aside while the column widens."""

    dependencies = [
        ("meters", "0014_redelivery_probe_one_partition"),
        ("ingest", "0010_scada_meters_looked_up_by_key"),
    ]

    operations = [
        RunSQLFile(
            "ingest",
            "DROP VIEW scada_event_affected_meters",
            "0010_scada_event_affected_meters.sql",
        ),
        migrations.AlterField(
            model_name="meterstatusevent",
            name="source_event_id",
            field=models.CharField(max_length=300),
        ),
        RunSQLFile(
            "ingest",
            "0010_scada_event_affected_meters.sql",
            "DROP VIEW scada_event_affected_meters",
        ),
    ]
