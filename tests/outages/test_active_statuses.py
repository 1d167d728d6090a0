"""The active statuses are one list: the engine's outages_active_statuses(), Python's
ACTIVE_STATUSES and the predicate of the "one active outage per device" index agree, and the
engine's lookups of a device's active outage still use that index."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from outages.models import ACTIVE_STATUSES

pytestmark = pytest.mark.django_db


def test_python_sql_and_the_unique_index_name_the_same_statuses():
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_active_statuses()")
        (in_sql,) = cursor.fetchone()
        cursor.execute(
            "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'oms_outage_events'::regclass AND i.indisunique"
            " AND i.indpred IS NOT NULL"
        )
        predicates = [row[0] for row in cursor.fetchall()]
    assert in_sql == [str(status) for status in ACTIVE_STATUSES]
    assert predicates, "the partial unique index of active outages is missing"
    for predicate in predicates:
        assert sorted(re.findall(r"'([a-z_]+)'", predicate)) == sorted(in_sql), predicate


def test_a_devices_active_outage_is_found_through_the_partial_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM oms_outage_events"
            " WHERE scope = 'feeder' AND device_id = 1 AND status = ANY (outages_active_statuses())"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'oms_outage_events'::regclass AND i.indisunique"
            " AND i.indpred IS NOT NULL"
        )
        (index,) = cursor.fetchone()
    assert index in plan, plan
    assert "outages_active_statuses" not in plan, "not folded to a constant"
