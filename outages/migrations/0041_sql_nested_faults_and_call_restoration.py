from django.db import migrations

from oms.sqlmigrations import RunSQLFile
from outages.defaults import rule_installer

OLD_APPLY = "outages_apply_device_evidence(text, text, bigint, text, text, timestamptz, text, text)"
OLD_DE_ENERGIZE = "outages_de_energize_device(text, bigint, text, text, timestamptz, text, text)"


class Migration(migrations.Migration):
    dependencies = [("outages", "0040_sql_predict_steps")]
    operations = [
        migrations.RunPython(*rule_installer("nested_margin_seconds")),
        # A device's own opening (SCADA status, operator) leaves the DP and meter outages older
        # than it nested below it, and its re-energization does not end them: both functions
        # gain _operated (dropped, then created anew).
        RunSQLFile("outages", f"DROP FUNCTION IF EXISTS {OLD_APPLY};",
                   "0021_outages_apply_device_evidence.sql"),
        RunSQLFile("outages", f"DROP FUNCTION IF EXISTS {OLD_DE_ENERGIZE};",
                   "0039_outages_de_energize_device.sql"),
        RunSQLFile("outages", "0041_outages_de_energize_device.sql",
                   f"DROP FUNCTION IF EXISTS {OLD_DE_ENERGIZE[:-1]}, boolean);"),
        RunSQLFile("outages", "0041_outages_apply_device_evidence.sql",
                   f"DROP FUNCTION IF EXISTS {OLD_APPLY[:-1]}, boolean);"),
        # Nor does an outage standing at a device (a prediction, or one carried over to an open
        # device at a restoration) absorb the outages older than it.
        RunSQLFile("outages", "0041_outages_stand_at.sql", "0030_outages_stand_at.sql"),
        # A meter a back-feed brings back before the isolating device closes goes back to the
        # outage above (each customer's interruption counted once).
        RunSQLFile("outages", "0041_outages_hand_back.sql",
                   "DROP FUNCTION IF EXISTS outages_hand_back(oms_evidence[]);"),
        RunSQLFile("outages", "0041_outages_energize_device.sql",
                   "0037_outages_energize_device.sql"),
        # An outage without direct evidence (calls, inferred meters) is restored once every
        # linked meter with a channel is back; a device's, once the meters still out are those
        # of older outages nested below it.
        RunSQLFile("outages", "0041_outages_refresh.sql", "0038_outages_refresh.sql"),
    ]  # fmt: skip
