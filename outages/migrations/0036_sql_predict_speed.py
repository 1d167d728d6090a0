from django.db import migrations

from oms.sqlmigrations import RunSQLFile


class Migration(migrations.Migration):
    dependencies = [
        ('ingest', '0017_device_status_message'),
        ('meters', '0023_sql_counts_without_joins'),
        ('outages', '0035_sql_reclosing_sequence'),
        ('topology', '0018_section_counts'),
    ]
    operations = [
        # outages_predict_branch and outages_predict_ripe take the predictable kinds, read once
        # (outages_predict_kinds); the branch becomes a one-row table function, inlined.
        RunSQLFile("outages", "DROP FUNCTION IF EXISTS outages_predict_ripe(text, bigint[], bigint[], interval);", "0034_outages_predict_ripe.sql"),
        RunSQLFile("outages", "DROP FUNCTION IF EXISTS outages_predict_branch(bigint[], integer, bigint);", "0034_outages_predict_branch.sql"),
        RunSQLFile("outages", "0036_outages_predict_kinds.sql", 'DROP FUNCTION IF EXISTS outages_predict_kinds();'),
        RunSQLFile("outages", "0036_outages_predict_branch.sql", 'DROP FUNCTION IF EXISTS outages_predict_branch(bigint[], integer, bigint, text[]);'),
        RunSQLFile("outages", "0036_outages_predict_ripe.sql", 'DROP FUNCTION IF EXISTS outages_predict_ripe(text, bigint[], bigint[], interval, text[]);'),
        RunSQLFile("outages", "0036_outages_predict.sql", '0034_outages_predict.sql'),
    ]
