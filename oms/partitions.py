"""Monthly partitions of the history tables: made ahead of time, archived and dropped when old.

The audit trail and the four feeds' raw tables are partitioned by UTC month on their event
time (meters and ingest migrations 0009), with a DEFAULT partition that takes any row no month
partition holds, so an event is never refused for its date. `ensure` makes the coming months
(run it from cron, e.g. daily: `manage.py oms_partitions ensure --months-ahead 3`); `archive`
detaches the months before a cutoff, copies each to a gzip CSV file if asked, and drops it.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from django.db import connection, transaction

PARTITIONED_TABLES = (
    "oms_meter_status_events",
    "scada_events",
    "onu_events",
    "kaifa_events",
    "callcenter_tickets",
)
PARTITION_KEY = "event_timestamp"


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    # None for the DEFAULT partition
    lower: datetime | None
    upper: datetime | None
    rows: int


def month_start(value: date | datetime | None = None) -> date:
    value = value or datetime.now(UTC)
    return date(value.year, value.month, 1)


def parse_month(text: str) -> date:
    """`YYYY-MM` → the first day of that month."""
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)") from error


def ensure_month_partitions(table: str, first: date, months: int) -> list[str]:
    """The one wrapper of oms_ensure_month_partitions(): the partitions it created."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT oms_ensure_month_partitions(%s, %s, %s)", [table, first, months])
        return [name for (name,) in cursor.fetchall()]


def ensure(months_ahead: int = 3, start: date | None = None) -> list[str]:
    """Partitions of every table from `start`'s month (default this month) to `months_ahead`
    months after this month, and the DEFAULT partitions; the names created."""
    this_month = month_start()
    first = month_start(start) if start else this_month
    months = (this_month.year - first.year) * 12 + this_month.month - first.month
    months += months_ahead + 1
    created = []
    for table in PARTITIONED_TABLES:
        # One transaction per table keeps each lock short.
        with transaction.atomic():
            created += ensure_month_partitions(table, first, max(months, 0))
    return created


def partitions(table: str) -> list[Partition]:
    """The partitions of `table`, oldest first, the DEFAULT partition last."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz,
                   (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                 'TO \\(''([^'']+)''\\)'))[1]::timestamptz,
                   c.reltuples::bigint
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = %s::regclass
             ORDER BY 2 NULLS LAST, 1
            """,
            [table],
        )
        return [
            Partition(table, name, lower, upper, max(rows, 0))
            for name, lower, upper, rows in cursor.fetchall()
        ]


def _leftovers(table: str, before: date) -> list[str]:
    """Month tables of `table` detached by an archive run that stopped before dropping them."""
    prefix = f"{table}_p"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition
               AND c.relname ~ ('^' || %s || '[0-9]{6}$') ORDER BY 1
            """,
            [prefix],
        )
        names = [name for (name,) in cursor.fetchall()]
    return [name for name in names if name[len(prefix) :] < before.strftime("%Y%m")]


def _copy_out(query: str, target: Path) -> int:
    """COPY the query's rows (CSV with a header) into a gzip file, written whole or not at all;
    the number of rows."""
    partial = target.with_name(target.name + ".partial")
    with gzip.open(partial, "wb") as out, connection.cursor() as cursor:
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                out.write(chunk)
        rows = cursor.rowcount
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    partial.replace(target)
    return rows


@dataclass
class Archived:
    table: str
    name: str
    rows: int
    file: Path | None


def archive(before: date, to: Path | None = None) -> list[Archived]:
    """Detach every month partition that ends on or before `before` (a month's first day),
    copy it to `to/<partition>.csv.gz` when `to` is given, and drop it; rows of earlier months
    in the DEFAULT partition go the same way. Newer months are not touched."""
    cutoff = datetime(before.year, before.month, 1, tzinfo=UTC)
    if to is not None:
        to.mkdir(parents=True, exist_ok=True)
    done: list[Archived] = []
    quote = connection.ops.quote_name
    for table in PARTITIONED_TABLES:
        detached = _leftovers(table, before)
        for part in partitions(table):
            if part.upper is not None and part.upper <= cutoff:
                # Its own short transaction: the parent is locked only while the month leaves.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"ALTER TABLE {quote(table)} DETACH PARTITION {quote(part.name)}"
                    )
                detached.append(part.name)
        for name in detached:
            target = to / f"{name}.csv.gz" if to is not None else None
            with transaction.atomic():
                if target is not None:
                    rows = _copy_out(f"SELECT * FROM {quote(name)}", target)
                else:
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT count(*) FROM {quote(name)}")
                        (rows,) = cursor.fetchone()
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE {quote(name)}")
            done.append(Archived(table, name, rows, target))
        done += _archive_default_rows(table, cutoff, to)
    return done


def _archive_default_rows(table: str, cutoff: datetime, to: Path | None) -> list[Archived]:
    default = f"{table}_default"
    quote = connection.ops.quote_name
    older = f"{PARTITION_KEY} < '{cutoff.isoformat()}'::timestamptz"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {quote(default)} WHERE {older}")
            (rows,) = cursor.fetchone()
        if not rows:
            return []
        target = None
        delete = f"DELETE FROM {quote(default)} WHERE {older}"
        if to is not None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            target = to / f"{default}_before_{cutoff:%Y%m}_{stamp}.csv.gz"
            rows = _copy_out(f"{delete} RETURNING *", target)
        else:
            with connection.cursor() as cursor:
                cursor.execute(delete)
                rows = cursor.rowcount
    return [Archived(table, default, rows, target)]
