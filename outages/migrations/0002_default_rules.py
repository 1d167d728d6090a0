from django.db import migrations

from outages.defaults import RULE_NAMES, install_rules, uninstall_rules


def install(apps, schema_editor):
    install_rules(apps)


def uninstall(apps, schema_editor):
    uninstall_rules(apps, RULE_NAMES)


class Migration(migrations.Migration):
    dependencies = [("outages", "0001_initial")]
    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunSQL(
            "CREATE SEQUENCE oms_outage_event_seq",
            "DROP SEQUENCE oms_outage_event_seq",
        ),
    ]
