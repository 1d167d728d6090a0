from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0014_sql_event_time'),
        ('meters', '0019_sql_event_time'),
        ('outages', '0021_sql_event_time'),
        ('topology', '0011_feeder_models_and_lines'),
    ]
    operations = [
        RunSQLFile("outages", "0022_outages_active_statuses.sql", 'DROP FUNCTION IF EXISTS outages_active_statuses();'),
        RunSQLFile("outages", "0022_oms_active_outages.sql", '0016_oms_active_outages.sql'),
        RunSQLFile("outages", "0022_outages_mark_restored.sql", '0003_outages_mark_restored.sql'),
        RunSQLFile("outages", "0022_outages_merge.sql", '0006_outages_merge.sql'),
        RunSQLFile("outages", "0022_outages_open.sql", '0003_outages_open.sql'),
        RunSQLFile("outages", "0022_outages_place.sql", '0008_outages_place.sql'),
        RunSQLFile("outages", "0022_outages_refresh.sql", '0018_outages_refresh.sql'),
        RunSQLFile("outages", "0022_outages_transition.sql", '0003_outages_transition.sql'),
        RunSQLFile("outages", "0022_outages_de_energize_device.sql", '0006_outages_de_energize_device.sql'),
        RunSQLFile("outages", "0022_outages_restore_meters.sql", '0003_outages_restore_meters.sql'),
        RunSQLFile("outages", "0022_outages_stand_at.sql", '0011_outages_stand_at.sql'),
        RunSQLFile("outages", "0022_outages_energize_device.sql", '0005_outages_energize_device.sql'),
        RunSQLFile("outages", "0022_outages_roll_up.sql", '0014_outages_roll_up.sql'),
    ]
