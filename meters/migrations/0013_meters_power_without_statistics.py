from django.db import migrations


class Migration(migrations.Migration):
    """No planner statistics on the meters' power state.

    A storm turns a hundred thousand meters off within minutes and back on within hours, so
    whatever ANALYZE last saw is wrong: after a quiet night it says no meter is off, and the
    engine's joins of a batch's meters with `power_status = 'off'` were planned as a scan of
    every meter per batch element (one feeder roll-up took 10 s instead of 50 ms). Without
    statistics the planner assumes a modest share and looks meters up by id.
    """

    dependencies = [
        ("meters", "0012_meters_half_full_pages"),
    ]

    operations = [
        migrations.RunSQL(
            """
            ALTER TABLE oms_meters ALTER COLUMN power_status SET STATISTICS 0,
                                   ALTER COLUMN last_power_change SET STATISTICS 0;
            -- ANALYZE keeps what it saw before; forget it where allowed (superuser only).
            DO $$
            BEGIN
                DELETE FROM pg_statistic
                 WHERE starelid = 'oms_meters'::regclass
                   AND staattnum IN (SELECT attnum FROM pg_attribute
                                      WHERE attrelid = 'oms_meters'::regclass
                                        AND attname IN ('power_status', 'last_power_change'));
            EXCEPTION WHEN insufficient_privilege THEN NULL;
            END $$;
            """,
            "ALTER TABLE oms_meters ALTER COLUMN power_status SET STATISTICS -1,"
            " ALTER COLUMN last_power_change SET STATISTICS -1",
        ),
    ]
