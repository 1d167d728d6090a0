from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0021_section_counts'),
        ('outages', '0032_source_devices'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        RunSQLFile("outages", "0033_outages_confidence.sql", 'DROP FUNCTION IF EXISTS outages_confidence(_fact numeric, _reporting bigint, _meters bigint, _calls bigint, _customers bigint, _ami_cap numeric, _full_share numeric, _meter_weight numeric, _call_share numeric, _call_weight numeric);'),
        RunSQLFile("outages", "0033_outages_confidence_rules.sql", 'DROP FUNCTION IF EXISTS outages_confidence_rules();'),
        RunSQLFile("outages", "0033_outages_refresh.sql", '0022_outages_refresh.sql'),
        RunSQLFile("outages", "0033_outages_count_sources.sql", '0018_outages_count_sources.sql'),
        RunSQLFile("outages", "0033_outages_de_energize_device.sql", '0030_outages_de_energize_device.sql'),
        RunSQLFile("outages", "0033_outages_transition.sql", '0022_outages_transition.sql'),
    ]
