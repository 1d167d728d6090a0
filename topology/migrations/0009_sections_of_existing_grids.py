"""Existing grids become the network model's special case: one head section per feeder, its DPs
hanging on it, feeding derived (topology_derive_feeding over every feeder)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("topology", "0008_sql_derive_feeding"),
        ("outages", "0019_sql_lock_feeders_bigint"),
    ]
    operations = [
        migrations.RunSQL(
            "SELECT count(*) FROM topology_derive_feeding(NULL)",
            "UPDATE network_distribution_points SET section_id = NULL;"
            "UPDATE network_feeders SET head_section_id = NULL;"
            "DELETE FROM network_sections;",
        ),
    ]
