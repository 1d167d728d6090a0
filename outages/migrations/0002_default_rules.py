from django.db import migrations

from outages.defaults import DEFAULT_RULES


def install(apps, schema_editor):
    Rule = apps.get_model("outages", "CorrelationRule")
    for name, kind, value, description in DEFAULT_RULES:
        Rule.objects.get_or_create(
            rule_name=name, defaults={"rule_type": kind, "value": value, "description": description}
        )


def uninstall(apps, schema_editor):
    Rule = apps.get_model("outages", "CorrelationRule")
    Rule.objects.filter(rule_name__in=[name for name, *_ in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("outages", "0001_initial")]
    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunSQL(
            "CREATE SEQUENCE oms_outage_event_seq",
            "DROP SEQUENCE oms_outage_event_seq",
        ),
    ]
