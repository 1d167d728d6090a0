from django.db import migrations


class Migration(migrations.Migration):
    """The engine's normalized evidence record: what every provider's event becomes."""

    dependencies = [("meters", "0002_initial")]
    operations = [
        migrations.RunSQL(
            """
            CREATE TYPE oms_evidence AS (
                meter_id bigint, evidence text, event_time timestamptz, provider text,
                source_event_id text, event_type text, outage_id bigint
            )
            """,
            "DROP TYPE oms_evidence",
        )
    ]
