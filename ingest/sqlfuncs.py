"""The Python wrappers of ingest's SQL functions that Python calls (ingest/sql/*.sql).

The SCADA feed is stored and applied in SQL (the seed's `insert_scada_event_with_meter_check`,
which the REST door calls too); the other functions of ingest/sql/ are its steps.
"""

from __future__ import annotations

import json

from oms.sqlcalls import jsonb_call


def insert_scada_event_with_meter_check(event: dict) -> dict:
    """Store one SCADA event and apply it (the seed's function; the REST door calls it too).

    Returns the ingest answer of CONTRACT §4 (with the seed's keys) as a dict.
    """
    return jsonb_call(
        "SELECT insert_scada_event_with_meter_check(%s::jsonb)", [json.dumps(event, default=str)]
    )


def apply_stored_scada_event(scada_event_pk: int) -> dict:
    """Apply a stored SCADA event again (ingest_apply_scada_event): the replay of an unmatched
    event once the registry knows its device. Returns the ingest answer."""
    return jsonb_call("SELECT ingest_apply_scada_event(%s)", [scada_event_pk])


def scada_answer(scada_event_pk: int) -> dict:
    """The ingest answer of a stored SCADA event, from what is stored (ingest_scada_answer)."""
    return jsonb_call("SELECT ingest_scada_answer(%s)", [scada_event_pk])
