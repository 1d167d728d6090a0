from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0010_scada_meters_looked_up_by_key'),
        ('meters', '0015_longest_source_keys'),
        ('outages', '0018_steward_deletes_recount_confidence'),
        ('topology', '0007_network_model'),
    ]
    operations = [
        RunSQLFile("topology", "0008_topology_derive_feeding.sql", 'DROP FUNCTION IF EXISTS topology_derive_feeding(_feeder_ids bigint[]);'),
        RunSQLFile("topology", "0008_topology_lock_feeders.sql", 'DROP FUNCTION IF EXISTS topology_lock_feeders(_feeder_ids bigint[]);'),
        RunSQLFile("topology", "0008_topology_lock_network.sql", 'DROP FUNCTION IF EXISTS topology_lock_network();'),
        RunSQLFile("topology", "0008_topology_rederive_meters.sql", '0006_topology_rederive_meters.sql'),
    ]
