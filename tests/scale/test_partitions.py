"""Monthly partitions of the history tables: routing, queries across months, archiving, and the
plans of the queries the API runs (index use and partition pruning, never a time)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms import partitions
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

ONU_SCOPE = "ingest:onu"
SEPTEMBER = "2025-09-15T10:00:00Z"
OCTOBER = "2025-10-01T06:45:31Z"


def onu(kind: str, event_id: str, at: str) -> dict:
    name = "onu_last_gasp.json" if kind == "off" else "onu_power_restored.json"
    return {**load_fixture(f"providers/{name}"), "eventId": event_id, "timestamp": at}


def partition_of(table: str, where: str, params: list) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE {where}", params
        )
        return sorted(row[0] for row in cursor.fetchall())


def make_months(first: date, months: int) -> None:
    for table in partitions.PARTITIONED_TABLES:
        partitions.ensure_month_partitions(table, first, months)


@pytest.fixture
def two_months(grid, token_client):
    """A last gasp of M40000001/2 in September 2025 (stored before that month had a partition)
    and their restoration in October."""
    client = token_client(ONU_SCOPE, "read")
    first = client.post("/api/ingest/onu/", onu("off", "GASP-SEP", SEPTEMBER), format="json")
    assert first.status_code == 201, first.json()
    assert partition_of("onu_events", "source_event_id = %s", ["GASP-SEP"]) == [
        "onu_events_default"
    ]
    make_months(date(2025, 9, 1), 2)
    second = client.post("/api/ingest/onu/", onu("on", "RESTORE-OCT", OCTOBER), format="json")
    assert second.status_code == 201, second.json()
    return client


def test_events_of_two_months_land_in_two_partitions_and_read_as_one(two_months):
    client = two_months
    # Making September's partition moved the row the DEFAULT partition held.
    assert partition_of("onu_events", "source_event_id = %s", ["GASP-SEP"]) == [
        "onu_events_p202509"
    ]
    assert partition_of("onu_events", "source_event_id = %s", ["RESTORE-OCT"]) == [
        "onu_events_p202510"
    ]
    assert partition_of("oms_meter_status_events", "source_event_id = %s", ["GASP-SEP"]) == [
        "oms_meter_status_events_p202509"
    ]
    assert partition_of("oms_meter_status_events", "source_event_id = %s", ["RESTORE-OCT"]) == [
        "oms_meter_status_events_p202510"
    ]

    history = client.get("/api/meters/M40000001/history/").json()
    assert history["count"] == 2
    assert [(e["source_event_id"], e["new_status"]) for e in history["results"]] == [
        ("RESTORE-OCT", "on"),
        ("GASP-SEP", "off"),
    ]
    # A re-delivery of a month's event is still recognised, whichever partition holds it.
    again = client.post("/api/ingest/onu/", onu("off", "GASP-SEP", SEPTEMBER), format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert client.get("/api/meters/M40000001/history/").json()["count"] == 2
    assert client.get("/api/meters/M40000001/").json()["power_status"] == "on"


def test_archiving_a_month_keeps_the_rest_intact(two_months, tmp_path):
    client = two_months
    out = io.StringIO()

    call_command("oms_partitions", "archive", "--before", "2025-10", "--to", tmp_path, stdout=out)

    for table in partitions.PARTITIONED_TABLES:
        names = {part.name for part in partitions.partitions(table)}
        assert f"{table}_p202509" not in names
        assert f"{table}_p202510" in names and f"{table}_default" in names
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [f"{table}_p202509"])
            assert cursor.fetchone()[0] is None, "dropped, not left detached"
    with gzip.open(tmp_path / "oms_meter_status_events_p202509.csv.gz", "rt") as archived:
        rows = list(csv.DictReader(archived))
    assert sorted((row["source_event_id"], row["new_status"]) for row in rows) == [
        ("GASP-SEP", "off"),
        ("GASP-SEP", "off"),
    ]
    with gzip.open(tmp_path / "onu_events_p202509.csv.gz", "rt") as archived:
        (raw,) = list(csv.DictReader(archived))
    assert raw["source_event_id"] == "GASP-SEP"
    assert json.loads(raw["raw_payload"])["eventId"] == "GASP-SEP"
    assert "archived oms_meter_status_events_p202509: 2 row(s)" in out.getvalue()

    # October is untouched: its rows, the meters' state, the history of what is left.
    history = client.get("/api/meters/M40000001/history/").json()
    assert [e["source_event_id"] for e in history["results"]] == ["RESTORE-OCT"]
    assert client.get("/api/meters/M40000001/").json()["power_status"] == "on"
    again = client.post("/api/ingest/onu/", onu("on", "RESTORE-OCT", OCTOBER), format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # A late event of the archived month is not refused: the DEFAULT partition takes it.
    late = client.post("/api/ingest/onu/", onu("off", "GASP-SEP-LATE", SEPTEMBER), format="json")
    assert late.status_code == 201
    assert partition_of("onu_events", "source_event_id = %s", ["GASP-SEP-LATE"]) == [
        "onu_events_default"
    ]


def test_archive_without_a_folder_drops_and_default_rows_of_old_months_go_too(grid, token_client):
    client = token_client(ONU_SCOPE)
    # September has no partition: the DEFAULT partition holds the event.
    assert (
        client.post("/api/ingest/onu/", onu("off", "OLD", SEPTEMBER), format="json").status_code
        == 201
    )
    assert client.post("/api/ingest/onu/", onu("on", "NEW", OCTOBER), format="json").status_code
    done = partitions.archive(date(2025, 10, 1))
    assert {(item.name, item.rows) for item in done} >= {
        ("onu_events_default", 1),
        ("oms_meter_status_events_default", 2),
    }
    assert partition_of("onu_events", "true", []) == ["onu_events_default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT source_event_id FROM onu_events")
        assert [row[0] for row in cursor.fetchall()] == ["NEW"]


def test_ensure_is_idempotent_and_keeps_months_ahead(db):
    call_command("oms_partitions", "ensure", "--months-ahead", "2", stdout=io.StringIO())
    out = io.StringIO()
    call_command("oms_partitions", "ensure", "--months-ahead", "2", stdout=out)
    assert "0 partition(s) created." in out.getvalue()
    this_month = partitions.month_start()
    uppers = [p.upper for p in partitions.partitions("scada_events") if p.upper]
    months_covered = {(u.year, u.month) for u in uppers}
    # The partition of the month two months ahead ends three months from now.
    year, month = divmod(this_month.month - 1 + 3, 12)
    assert (this_month.year + year, month + 1) in months_covered


# --- plans --------------------------------------------------------------------------------


def plan(sql: str) -> str:
    """The plan of `sql` with sequential scans priced out: on a test-sized table PostgreSQL
    rightly prefers to read it whole, so this asks whether an index *can* serve the query."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return text


def api_queries(client, url: str, table: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    found = [q["sql"] for q in captured.captured_queries if f'"{table}"' in q["sql"]]
    assert found, f"{url} ran no query on {table}"
    return found


def test_meter_history_reads_each_month_by_index_newest_first(two_months):
    client = two_months
    for sql in api_queries(client, "/api/meters/M40000001/history/", "oms_meter_status_events"):
        text = plan(sql)
        assert "Seq Scan" not in text, text
        assert re.search(r"Index (Only )?Scan", text), text
        if "ORDER BY" in sql:
            # Each partition's (meter, time desc) index yields rows in time order: they are
            # merged, and only ties of one instant are sorted by id (an incremental sort that
            # streams under the page's LIMIT), never the meter's whole history.
            assert "meter_status_events_p202509_meter_id_event_timestamp_idx" in text, text
            assert "Merge Append" in text, text
            sorts = re.findall(r"(\S+ )?Sort\n", text)
            assert all(kind == "Incremental " for kind in sorts), text
            if sorts:
                assert "Presorted Key: oms_meter_status_events.event_timestamp" in text, text


def test_queries_bounded_in_time_read_only_their_months(two_months):
    text = plan(
        "SELECT * FROM oms_meter_status_events WHERE meter_id = 1"
        " AND event_timestamp >= '2025-10-01T00:00:00Z' AND event_timestamp < '2025-10-15Z'"
        " ORDER BY event_timestamp DESC LIMIT 50"
    )
    assert "oms_meter_status_events_p202510" in text, text
    assert "p202509" not in text and "_default" not in text, text
    # The SCADA door's re-delivery probe names the event time: one partition.
    text = plan(
        "SELECT id FROM scada_events WHERE source_event_id = 'X'"
        " AND event_timestamp = '2025-09-15T10:00:00Z'"
    )
    assert re.findall(r" on (\w+)", text) == ["scada_events_p202509"], text
    assert "Index" in text and "Seq Scan" not in text, text


def test_feeder_meters_and_active_outages_use_indexes(grid, token_client):
    client = token_client("read")
    for url, table in (
        ("/api/feeders/FD001/meters/", "oms_meters"),
        ("/api/outages/?status=active", "oms_outage_events"),
    ):
        for sql in api_queries(client, url, table):
            text = plan(sql)
            assert "Seq Scan" not in text, f"{url}\n{sql}\n{text}"
