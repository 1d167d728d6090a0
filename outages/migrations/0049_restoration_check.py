import django.db.models.functions.datetime
from django.db import migrations, models

from oms.sqlmigrations import RunSQLFile
from outages.defaults import rule_installer


class Migration(migrations.Migration):
    dependencies = [
        ('outages', '0048_sql_calls_are_evidence_for_their_devices'),
    ]

    operations = [
        migrations.RunPython(*rule_installer(
            'restoration_check_seconds', 'restoration_check_back_share',
            'restoration_check_min_reporters')),
        migrations.CreateModel(
            name='RestorationCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('meter_id', models.BigIntegerField(unique=True)),
                ('dp_id', models.BigIntegerField(null=True)),
                ('feeder_id', models.BigIntegerField(null=True)),
                ('scope', models.CharField(max_length=20)),
                ('device_id', models.BigIntegerField()),
                ('energized_at', models.DateTimeField()),
                ('off_since', models.DateTimeField(null=True)),
                ('recorded_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                'db_table': 'oms_restoration_checks',
                'indexes': [models.Index(fields=['feeder_id', 'energized_at'], name='restoration_check_feeder_idx'), models.Index(fields=['energized_at'], name='restoration_check_time_idx'), models.Index(fields=['recorded_at'], name='restoration_check_recorded_idx')],
            },
        ),
        RunSQLFile("outages", "0049_outages_check_restorations.sql", "DROP FUNCTION IF EXISTS outages_check_restorations(bigint[]);"),
        RunSQLFile("outages", "0049_outages_energize_device.sql", "0044_outages_energize_device.sql"),
        RunSQLFile("outages", "0049_outages_apply_meter_evidence.sql", "0025_outages_apply_meter_evidence.sql"),
    ]
