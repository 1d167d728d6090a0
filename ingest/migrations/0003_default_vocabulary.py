from django.db import migrations

from ingest.defaults import DEFAULT_VOCABULARY


def install(apps, schema_editor):
    Term = apps.get_model("ingest", "VocabularyTerm")
    Term.objects.bulk_create(
        [Term(provider=p, field=f, code=c, evidence=e) for p, f, c, e in DEFAULT_VOCABULARY],
        ignore_conflicts=True,
    )


def uninstall(apps, schema_editor):
    apps.get_model("ingest", "VocabularyTerm").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("ingest", "0002_initial")]
    operations = [migrations.RunPython(install, uninstall)]
