from django.db import migrations

from oms.sqlmigrations import RunSQLFile
from outages.defaults import DEFAULT_RULES

NAMES = ("restoration_step_minutes",)


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
    dependencies = [
        ("outages", "0024_sql_switching"),
        ("topology", "0016_sql_rederive_semi_join"),
    ]
    operations = [
        migrations.RunPython(install, uninstall),
        RunSQLFile("outages", "0025_outages_mark_restored.sql", '0022_outages_mark_restored.sql'),
        RunSQLFile("outages", "0025_outages_refine_restore_times.sql", 'DROP FUNCTION IF EXISTS outages_refine_restore_times(_rows oms_evidence[]);'),
        RunSQLFile("outages", "0025_outages_restore_meters.sql", '0022_outages_restore_meters.sql'),
        RunSQLFile("outages", "0025_outages_apply_meter_evidence.sql", '0021_outages_apply_meter_evidence.sql'),
    ]
