import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

from outages.defaults import NORMAL, install_rules


def install(apps, schema_editor):
    # The sets, today's rows as `normal`, and the other sets' values.
    install_rules(apps)


def uninstall(apps, schema_editor):
    # Back to one row per name: only `normal`'s values survive.
    Rule = apps.get_model("outages", "CorrelationRule")
    Rule.objects.exclude(rule_set__name=NORMAL).delete()


class Migration(migrations.Migration):
    dependencies = [("outages", "0026_sql_trip_speed")]
    operations = [
        migrations.CreateModel(
            name="RuleSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_default=django.db.models.functions.datetime.Now())),
                ("updated_at", models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now())),
                ("name", models.SlugField(max_length=40, unique=True)),
                ("description", models.TextField(blank=True, default="")),
                ("active", models.BooleanField(default=False)),
            ],
            options={
                "db_table": "oms_rule_sets",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(condition=models.Q(("active", True)), fields=("active",), name="one_active_rule_set")
                ],
            },
        ),
        migrations.AlterField(
            model_name="correlationrule",
            name="rule_name",
            field=models.CharField(max_length=60),
        ),
        migrations.AddField(
            model_name="correlationrule",
            name="rule_set",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="rules", to="outages.ruleset"),
        ),
        migrations.RunPython(install, uninstall),
    ]
