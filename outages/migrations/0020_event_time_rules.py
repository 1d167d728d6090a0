from django.db import migrations

from outages.defaults import rule_installer


class Migration(migrations.Migration):
    dependencies = [("outages", "0019_sql_lock_feeders_bigint")]
    operations = [
        migrations.RunPython(*rule_installer("max_clock_skew_minutes", "max_event_age_hours"))
    ]
