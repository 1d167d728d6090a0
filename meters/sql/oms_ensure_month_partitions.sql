-- oms_ensure_month_partitions(_table text, _from date, _months integer) → the partitions created
-- Keeps a table partitioned by month on its event time ready to take rows: its DEFAULT
-- partition (so no row is ever refused), and one partition per UTC month for _months months
-- from the month of _from, named <table>_pYYYYMM. Rows already in the DEFAULT partition for
-- a new month move into it. The new month is built beside the table and attached, which locks
-- the parent table only against DDL (writers and readers go on). Idempotent.
CREATE OR REPLACE FUNCTION oms_ensure_month_partitions(_table text, _from date, _months integer)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    _key text;
    _default text := _table || '_default';
    _month timestamp;
    _lo timestamptz;
    _hi timestamptz;
    _name text;
BEGIN
    SELECT a.attname INTO _key
      FROM pg_partitioned_table p
      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
     WHERE p.partrelid = to_regclass(_table) AND p.partstrat = 'r';
    IF _key IS NULL THEN
        RAISE EXCEPTION '% is not a table partitioned by range', _table
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass(_default) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', _default, _table);
        RETURN NEXT _default;
    END IF;
    FOR _i IN 0 .. _months - 1 LOOP
        _month := date_trunc('month', _from::timestamp) + make_interval(months => _i);
        _lo := _month AT TIME ZONE 'UTC';
        _hi := (_month + interval '1 month') AT TIME ZONE 'UTC';
        _name := _table || '_p' || to_char(_month, 'YYYYMM');
        CONTINUE WHEN to_regclass(_name) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       _name, _table);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= %L AND %I < %L RETURNING *)'
                       ' INSERT INTO %I SELECT * FROM moved',
                       _default, _key, _lo, _key, _hi, _name);
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       _table, _name, _lo, _hi);
        RETURN NEXT _name;
    END LOOP;
END;
$$;
