"""Event time (CONTRACT §12) at every door: an event from the future or before 2000 is refused
naming its time field; one older than the age limit behind the newest applied event time is
stored as stale and changes nothing; both limits are rules stewards edit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DataError, connection, transaction

from ingest.models import CallCenterTicket, OnuEvent, ScadaEvent
from outages.models import CorrelationRule
from tests.conftest import load_fixture
from tests.ingest.conftest import meters_off, post, power_of, row_counts

pytestmark = pytest.mark.django_db

SCADA = load_fixture("providers/scada_loss_of_voltage.json")
KAIFA = load_fixture("providers/kaifa_power_outage.json")
KAIFA_XML = load_fixture("providers/kaifa_power_outage_two_meters.xml")
TICKET = load_fixture("providers/callcenter_ticket_plain.json")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta) -> str:
    return iso(datetime.now(UTC) - timedelta(**delta))


def ahead(**delta) -> str:
    return iso(datetime.now(UTC) + timedelta(**delta))


def gasp(key: str, meter: str, at: str, kind: str = "ONU_LastGaspAlert") -> dict:
    return {"eventId": key, "type": kind, "timestamp": at, "associatedMeters": [meter]}


def refused(client, provider, body, field, *, content_type=None):
    before, off = row_counts(), meters_off()
    if content_type:
        response = client.post(f"/api/ingest/{provider}/", body, content_type=content_type)
    else:
        response = post(client, provider, body)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert field in response.json()["errors"], response.json()
    assert (row_counts(), meters_off()) == (before, off)


def outages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM oms_outage_events")
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "at",
    ["9999-12-31T23:59:59Z", "2099-01-01T00:00:00+03:00", "1999-12-31T23:59:59Z",
     "0001-01-01T00:00:00Z"],
)  # fmt: skip
def test_an_event_from_the_future_or_before_2000_is_refused_naming_its_time_field(
    grid, ingest_client, at
):
    refused(ingest_client, "onu", gasp("g1", "M40000001", at), "timestamp")
    refused(ingest_client, "scada", {**SCADA, "timestamp": at}, "timestamp")
    refused(ingest_client, "call_center", {**TICKET, "timestamp": at}, "timestamp")
    kaifa = {**KAIFA, "payload": {**KAIFA["payload"], "created_date_time": at}}
    refused(ingest_client, "kaifa", kaifa, "payload.created_date_time")
    xml = KAIFA_XML.replace("2025-10-01T06:15:29.910Z</ns2:createdDateTime>",
                            f"{at}</ns2:createdDateTime>")  # fmt: skip
    refused(ingest_client, "kaifa", xml, "EndDeviceEvent[1].createdDateTime",
            content_type="text/xml")  # fmt: skip


def test_the_clock_skew_limit_is_a_rule(grid, ingest_client):
    refused(ingest_client, "onu", gasp("g1", "M40000001", ahead(minutes=10)), "timestamp")
    assert post(ingest_client, "onu", gasp("g2", "M40000002", ahead(minutes=3))).status_code == 201

    CorrelationRule.objects.filter(rule_name="max_clock_skew_minutes").update(value=60)

    assert post(ingest_client, "onu", gasp("g1", "M40000001", ahead(minutes=10))).status_code == 201
    assert power_of("M40000001", "M40000002") == {"M40000001": "off", "M40000002": "off"}


def test_a_future_event_in_a_batch_is_reported_by_index(grid, ingest_client):
    events = [gasp(f"g{n}", f"M4{n:07d}", ago(minutes=1)) for n in (1, 2, 3)]
    events[1]["timestamp"] = "9999-01-01T00:00:00Z"

    answer = post(ingest_client, "onu", {"events": events}, batch=True).json()

    assert answer["accepted"] == 2
    assert answer["rejected"][0]["index"] == 1
    assert "timestamp" in answer["rejected"][0]["errors"]
    assert meters_off() == {"M40000001", "M40000003"}


def test_a_future_event_no_longer_pins_meters_off(grid, ingest_client):
    refused(ingest_client, "onu", gasp("future", "M40000001", "9999-01-01T00:00:00Z"), "timestamp")
    post(ingest_client, "onu", gasp("down", "M40000001", ago(minutes=5)))

    up = gasp("up", "M40000001", ago(minutes=1), kind="ONU_PowerRestored")
    assert post(ingest_client, "onu", up).status_code == 201

    assert power_of("M40000001") == {"M40000001": "on"}


def test_an_event_older_than_the_age_limit_behind_the_frontier_is_stored_stale(grid, ingest_client):
    assert post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1))).status_code == 201
    before_outages = outages()

    response = post(ingest_client, "onu", gasp("old", "M40000050", ago(days=400)))

    assert response.status_code == 201
    assert response.json()["status"] == "stale"
    assert power_of("M40000050") == {"M40000050": "unknown"}
    assert outages() == before_outages
    assert OnuEvent.objects.get(source_event_id="old").processing_status == "stale"
    with connection.cursor() as cursor:  # the audit trail records it, not applied
        cursor.execute("SELECT applied FROM oms_meter_status_events WHERE source_event_id = 'old'")
        assert cursor.fetchall() == [(False,)]
    # A re-delivery answers the same, and still changes nothing.
    again = post(ingest_client, "onu", gasp("old", "M40000050", ago(days=400)))
    assert (again.status_code, again.json()["status"]) == (200, "stale")


def test_an_event_within_the_age_limit_is_applied(grid, ingest_client):
    post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1)))

    response = post(ingest_client, "onu", gasp("earlier", "M40000050", ago(hours=23)))

    assert response.json()["status"] == "processed"
    assert power_of("M40000050") == {"M40000050": "off"}


def test_stale_scada_and_calls_change_no_live_state_nor_outages(grid, ingest_client):
    post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1)))
    before_outages, off = outages(), meters_off()

    scada = post(ingest_client, "scada", {**SCADA, "timestamp": ago(days=30)})
    call = post(ingest_client, "call_center", {**TICKET, "timestamp": ago(days=30)})

    assert (scada.status_code, scada.json()["status"]) == (201, "stale")
    assert (call.status_code, call.json()["status"]) == (201, "stale")
    assert ScadaEvent.objects.get().processing_status == "stale"
    assert CallCenterTicket.objects.get().processing_status == "stale"
    assert (outages(), meters_off()) == (before_outages, off)


def test_the_age_limit_is_a_rule(grid, ingest_client):
    post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1)))
    CorrelationRule.objects.filter(rule_name="max_event_age_hours").update(value=24 * 500)

    response = post(ingest_client, "onu", gasp("old", "M40000050", ago(days=400)))

    assert response.json()["status"] == "processed"
    assert power_of("M40000050") == {"M40000050": "off"}


def test_a_history_in_time_order_applies_on_a_fresh_database(grid, ingest_client):
    days = [400, 300, 200, 100]
    for n, age in enumerate(days, start=1):
        post(ingest_client, "onu", gasp(f"h{n}", f"M4{n:07d}", ago(days=age)))

    assert meters_off() == {"M40000001", "M40000002", "M40000003", "M40000004"}


def sql(statement: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def sql_refused(statement: str, params: list) -> str:
    before = row_counts()
    with pytest.raises(DataError) as raised, transaction.atomic():
        sql(statement, params)
    assert row_counts() == before
    return str(raised.value)


@pytest.mark.parametrize("at", ["9999-01-01T00:00:00Z", "1990-06-01T00:00:00Z"])
def test_the_seed_functions_refuse_the_same_event_times(grid, at):
    assert "p_event_timestamp" in sql_refused(
        "SELECT update_meter_status('M40000001', 'off', NULL, 'onu', 'x', %s::timestamptz)", [at]
    )
    assert "timestamp" in sql_refused(
        "SELECT insert_scada_event_with_meter_check(%s::jsonb)",
        [json.dumps({**SCADA, "timestamp": at})],
    )
    assert "event_time" in sql_refused(
        "SELECT * FROM process_scada_event_meters('p1', 'SS001', 'FD001', %s::timestamptz)", [at]
    )


def test_the_frontier_is_kept_from_any_door(grid, ingest_client):
    # A seed caller applies evidence of now through update_meter_status...
    assert sql(
        "SELECT update_meter_status('M40000001', 'off', NULL, 'onu', 'seed-1', %s::timestamptz)",
        [ago(minutes=1)],
    ) == [(True,)]

    # ...then a month-old event, through REST or the seed's functions, is stale.
    assert post(ingest_client, "onu", gasp("old", "M40000050", ago(days=30))).json()["status"] == (
        "stale"
    )
    assert sql(
        "SELECT update_meter_status('M40000060', 'off', NULL, 'onu', 'seed-2', %s::timestamptz)",
        [ago(days=30)],
    ) == [(False,)]
    (scada,) = sql(
        "SELECT insert_scada_event_with_meter_check(%s::jsonb)",
        [json.dumps({**SCADA, "timestamp": ago(days=30)})],
    )
    assert json.loads(scada[0])["status"] == "stale"
    assert sql(
        "SELECT total_meters, outage_event_id FROM process_scada_event_meters("
        "'p-old', 'SS001', 'FD002', %s::timestamptz)",
        [ago(days=30)],
    ) == [(0, None)]
    assert power_of("M40000050", "M40000060") == {"M40000050": "unknown", "M40000060": "unknown"}
    assert meters_off() == {"M40000001"}


def test_process_scada_event_meters_takes_the_stored_id_as_bigint(grid, ingest_client):
    answer = post(ingest_client, "scada", SCADA).json()

    rows = sql(
        "SELECT total_meters, offline_meters FROM process_scada_event_meters("
        "%s::bigint, 'SS001', 'FD001')",
        [answer["scada_event_id"]],
    )
    by_text = sql(
        "SELECT total_meters, offline_meters FROM process_scada_event_meters("
        "%s::text, 'SS001', 'FD001')",
        [str(answer["scada_event_id"])],
    )

    assert rows == by_text == [(answer["total_meters"], answer["offline_meters"])]
    assert rows[0][0] > 0


@pytest.fixture
def steward(client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("steward", "s@example.com", "pw"))
    return client


def test_stale_events_are_listed_for_stewards(grid, ingest_client, steward):
    post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1)))
    post(ingest_client, "onu", gasp("old-gasp", "M40000050", ago(days=400)))

    stale = steward.get("/admin/ingest/onuevent/?processing_status__exact=stale")
    processed = steward.get("/admin/ingest/onuevent/?processing_status__exact=processed")

    assert stale.status_code == processed.status_code == 200
    assert b"old-gasp" in stale.content and b"old-gasp" not in processed.content


def test_a_steward_edits_the_age_limit_in_admin(grid, ingest_client, steward):
    rule = CorrelationRule.objects.get(rule_name="max_event_age_hours")
    post(ingest_client, "onu", gasp("now", "M40000001", ago(minutes=1)))

    response = steward.post(
        f"/admin/outages/correlationrule/{rule.pk}/change/",
        {"rule_name": rule.rule_name, "rule_type": rule.rule_type, "value": "12000",
         "description": rule.description},
    )  # fmt: skip

    assert response.status_code == 302, response.content[:500]
    answer = post(ingest_client, "onu", gasp("old", "M40000050", ago(days=400))).json()
    assert answer["status"] == "processed"
