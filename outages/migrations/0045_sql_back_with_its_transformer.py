from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('outages', '0044_sql_faults_found_out_by_a_trip'),
    ]
    operations = [
        RunSQLFile("outages", "0045_outages_review.sql", "0034_outages_review.sql"),
    ]
