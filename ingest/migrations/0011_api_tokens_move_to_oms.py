# API tokens serve every door, so the model moves to the `oms` app (oms/0001_api_tokens takes
# it over). The table is renamed, never recreated: existing keys keep working.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='apitoken', table='oms_api_tokens'),
            ],
            state_operations=[
                migrations.DeleteModel(name='ApiToken'),
            ],
        ),
    ]
