from django.db import migrations


class Migration(migrations.Migration):
    """Call-center tickets find their customer by the phone's digits (ingest/matching.py):
    index exactly that expression so a batch of tickets does not scan every customer."""

    dependencies = [("meters", "0009_partitioned_status_events")]
    operations = [
        migrations.RunSQL(
            r"CREATE INDEX oms_customers_phone_digits_idx"
            r" ON oms_customers ((regexp_replace(phone, '\D', '', 'g')))",
            "DROP INDEX oms_customers_phone_digits_idx",
        )
    ]
