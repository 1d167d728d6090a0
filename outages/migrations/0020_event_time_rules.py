from django.db import migrations

from outages.defaults import DEFAULT_RULES

NAMES = ("max_clock_skew_minutes", "max_event_age_hours")


def install(apps, schema_editor):
    Rule = apps.get_model("outages", "CorrelationRule")
    for name, kind, value, description in DEFAULT_RULES:
        if name in NAMES:
            Rule.objects.get_or_create(
                rule_name=name,
                defaults={"rule_type": kind, "value": value, "description": description},
            )


def uninstall(apps, schema_editor):
    apps.get_model("outages", "CorrelationRule").objects.filter(rule_name__in=NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [("outages", "0019_sql_lock_feeders_bigint")]
    operations = [migrations.RunPython(install, uninstall)]
