"""Every provider payload and real feed sample, ingested against the fixture grid, with its
meaning checked: which meters, which power status, which outage."""

from __future__ import annotations

import pytest

from ingest.models import CallCenterTicket, KaifaEvent, OnuEvent, ScadaEvent
from outages.models import Outage, OutageMeter, OutageSource
from tests.conftest import load_fixture
from tests.ingest.conftest import (
    fixture_names,
    meter_range,
    meters_off,
    post,
    post_fixture,
    power_of,
)

pytestmark = pytest.mark.django_db

FD001 = meter_range(1, 40)
FD002 = meter_range(41, 80)
FD003 = meter_range(81, 120)


def outage(answer: dict) -> Outage:
    return Outage.objects.get(event_id=answer["outage_event_id"])


SCADA_LOSS = "test_scada_loss_of_voltage_de_energizes_the_feeder"
# Each file and the test that checks its meaning; a new fixture file must be added here.
COVERED = {
    "providers/scada_loss_of_voltage.json": SCADA_LOSS,
    "providers/scada_kafka_envelope.json": SCADA_LOSS,
    "providers/scada_breaker_trip_legacy.json": SCADA_LOSS,
    "providers/scada_restoration.json": "test_scada_restoration",
    "providers/onu_last_gasp.json": "test_onu_last_gasp",
    "providers/onu_power_restored.json": "test_onu_power_restored",
    "providers/kaifa_power_outage.json": "test_kaifa_power_outage",
    "providers/kaifa_power_outage_two_meters.xml": "test_kaifa_power_outage_two_meters",
    "providers/kaifa_power_restored.xml": "test_kaifa_power_restored",
    "providers/callcenter_ticket.json": "test_callcenter_ticket",
    "providers/callcenter_ticket_plain.json": "test_callcenter_ticket_plain",
    "real-feed-samples/call_center_event_20250924_135131_572280_p0_o2.json": (
        "test_real_call_center_sample"
    ),
}


def test_every_fixture_file_has_a_meaning_test():
    for name in fixture_names():
        test = COVERED.get(name) or (
            "test_real_scada_samples" if name.startswith("real-feed-samples/scada") else None
        )
        assert test in globals(), f"{name} has no meaning test"


@pytest.mark.parametrize(
    ("name", "feeder", "substation", "meters"),
    [
        ("providers/scada_loss_of_voltage.json", "FD001", "SS001", FD001),
        ("providers/scada_kafka_envelope.json", "FD003", "SS002", FD003),
        ("providers/scada_breaker_trip_legacy.json", "FD002", "SS001", FD002),
    ],
)
def test_scada_loss_of_voltage_de_energizes_the_feeder(
    grid, ingest_client, name, feeder, substation, meters
):
    response = post_fixture(ingest_client, name)

    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["provider"] == "scada"
    assert answer["status"] == "processed"
    assert answer["duplicate"] is False
    assert answer["meters"] == {"total": 40, "off": 40, "on": 0, "unknown": 0}
    assert (answer["total_meters"], answer["offline_meters"]) == (40, 40)
    assert meters_off() == meters
    found = outage(answer)
    assert (found.scope, found.feeder.feeder_id, found.status) == ("feeder", feeder, "detected")
    assert found.root_cause == f"SCADA Event: {substation} / {feeder}"
    assert answer["outage_event_ids"] == [found.event_id]
    row = ScadaEvent.objects.get(source_event_id=answer["source_event_id"])
    assert (row.processing_status, row.outage_event_id) == ("processed", found.pk)
    assert row.meters.count() == 40


def test_scada_restoration(grid, ingest_client):
    loss = post_fixture(ingest_client, "providers/scada_loss_of_voltage.json").json()

    response = post_fixture(ingest_client, "providers/scada_restoration.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "processed"
    assert answer["meters"] == {"total": 40, "off": 0, "on": 40, "unknown": 0}
    assert meters_off() == set()
    assert set(power_of(*FD001).values()) == {"on"}
    restored = outage(loss)
    assert restored.status == "restored"
    assert restored.actual_restoration_time.isoformat().startswith("2025-10-01T07:02:10")


def test_onu_last_gasp(grid, ingest_client):
    response = post_fixture(ingest_client, "providers/onu_last_gasp.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "processed"
    assert answer["meters"] == {"total": 2, "off": 2, "on": 0, "unknown": 0}
    assert meters_off() == {"M40000001", "M40000002"}
    assert answer["outage_event_id"] in answer["outage_event_ids"]
    linked = set(
        OutageMeter.objects.filter(outage__event_id__in=answer["outage_event_ids"]).values_list(
            "meter__meter_number", flat=True
        )
    )
    assert {"M40000001", "M40000002"} <= linked
    assert Outage.objects.active().filter(event_id=answer["outage_event_id"]).exists()
    row = OnuEvent.objects.get(source_event_id="onu_1759299330120_a1b2c3")
    assert (row.processing_status, row.evidence, row.onu_id) == ("processed", "off", "4101207")
    assert row.outage_event.event_id == answer["outage_event_id"]


def test_onu_finds_meters_by_onu_id_when_the_list_is_empty(grid, ingest_client):
    from tests.conftest import load_fixture

    event = {**load_fixture("providers/onu_last_gasp.json"), "associatedMeters": []}

    answer = ingest_client.post("/api/ingest/onu/", event, format="json").json()

    assert answer["meters"]["total"] == 2
    assert meters_off() == {"M40000001", "M40000002"}


def test_onu_power_restored(grid, ingest_client):
    gasp = post_fixture(ingest_client, "providers/onu_last_gasp.json").json()

    response = post_fixture(ingest_client, "providers/onu_power_restored.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["meters"] == {"total": 2, "off": 0, "on": 2, "unknown": 0}
    assert power_of("M40000001", "M40000002") == {"M40000001": "on", "M40000002": "on"}
    assert not Outage.objects.active().filter(event_id__in=gasp["outage_event_ids"]).exists()


def test_kaifa_power_outage(grid, ingest_client):
    """The flattened JSON: asset mRID KFM-00077125 is M40000005."""
    response = post_fixture(ingest_client, "providers/kaifa_power_outage.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["message_id"] == "msg_1759299350001_3"
    (event,) = answer["events"]
    assert event["source_event_id"] == "msg_1759299350001_3/evt_1759299350001_4"
    assert event["status"] == "processed"
    assert event["meters"] == {"total": 1, "off": 1, "on": 0, "unknown": 0}
    assert meters_off() == {"M40000005"}
    assert OutageMeter.objects.filter(
        outage__event_id=event["outage_event_id"], meter__meter_number="M40000005"
    ).exists()
    row = KaifaEvent.objects.get()
    assert row.event_timestamp.isoformat() == "2025-10-01T06:15:49.500000+00:00"
    assert (row.asset_mrid, row.usage_point_mrid) == ("KFM-00077125", "UP-00077125")


def test_kaifa_power_outage_two_meters(grid, ingest_client):
    """One SOAP message, two EndDeviceEvents (PowerOutage and IEC code 3.26.0.85)."""
    response = post_fixture(ingest_client, "providers/kaifa_power_outage_two_meters.xml")

    assert response.status_code == 201
    answer = response.json()
    assert answer["duplicate"] is False
    assert [e["source_event_id"] for e in answer["events"]] == [
        "msg_1759299332004_7/evt_1759299332004_8",
        "msg_1759299332004_7/evt_1759299332004_9",
    ]
    assert [e["meters"]["off"] for e in answer["events"]] == [1, 1]
    assert meters_off() == {"M40000003", "M40000004"}
    rows = {row.event_mrid: row for row in KaifaEvent.objects.all()}
    assert (
        rows["evt_1759299332004_8"]
        .event_timestamp.isoformat()
        .startswith("2025-10-01T06:15:29.870")
    )
    assert rows["evt_1759299332004_9"].event_type_ref == "3.26.0.85"
    assert {row.processing_status for row in rows.values()} == {"processed"}
    for event in answer["events"]:
        assert Outage.objects.get(event_id=event["outage_event_id"]).status == "detected"


def test_kaifa_power_restored(grid, ingest_client):
    post_fixture(ingest_client, "providers/kaifa_power_outage_two_meters.xml")

    response = post_fixture(ingest_client, "providers/kaifa_power_restored.xml")

    assert response.status_code == 201
    (event,) = response.json()["events"]
    assert event["meters"] == {"total": 1, "off": 0, "on": 1, "unknown": 0}
    assert power_of("M40000003", "M40000004") == {"M40000003": "on", "M40000004": "off"}


def test_callcenter_ticket(grid, ingest_client):
    """The intake envelope: a report, never a change of power status."""
    response = post_fixture(ingest_client, "providers/callcenter_ticket.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "processed"
    assert answer["meters"] == {"total": 1, "off": 0, "on": 0, "unknown": 1}
    assert power_of("M40000001") == {"M40000001": "unknown"}
    assert OutageSource.objects.filter(
        outage__event_id=answer["outage_event_id"],
        source_type="call_center",
        source_event_id="TC_1759299340555",
    ).exists()
    ticket = CallCenterTicket.objects.get()
    assert (ticket.meter_number, ticket.intake_id) == ("M40000001", "tc_1759299340555_299340")
    assert ticket.notes == "No power in whole building"
    assert ticket.evidence == "report"


def test_callcenter_ticket_joins_the_active_outage_covering_the_meter(grid, ingest_client):
    scada = post_fixture(ingest_client, "providers/scada_loss_of_voltage.json").json()

    answer = post_fixture(ingest_client, "providers/callcenter_ticket.json").json()

    assert answer["outage_event_id"] == scada["outage_event_id"]
    assert answer["meters"] == {"total": 1, "off": 1, "on": 0, "unknown": 0}


def test_callcenter_ticket_plain(grid, ingest_client):
    response = post_fixture(ingest_client, "providers/callcenter_ticket_plain.json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "processed"
    assert OutageSource.objects.filter(
        outage__event_id=answer["outage_event_id"], source_event_id="TC_1759299399001"
    ).exists()
    ticket = CallCenterTicket.objects.get()
    assert (ticket.meter_number, ticket.notes) == ("M40000107", "Lights flickered then went out")


def test_callcenter_ticket_found_by_phone(grid, ingest_client):
    """No meter number: the customer's phone (+962-7-5550123 is CUST_00000001) finds M40000001."""
    ticket = {
        "ticketId": "TC_PHONE_1",
        "timestamp": "2025-10-01T06:20:00Z",
        "customer": {"phone": "+962 7 555 0123"},
    }

    answer = ingest_client.post("/api/ingest/call_center/", ticket, format="json").json()

    assert answer["status"] == "processed"
    assert answer["meters"]["total"] == 1
    assert CallCenterTicket.objects.get().processing_status == "processed"
    assert OutageSource.objects.filter(
        outage__event_id=answer["outage_event_id"], source_event_id="TC_PHONE_1"
    ).exists()


def test_real_call_center_sample(grid, ingest_client):
    """The HTTP-capture form: the ticket is a JSON string in message.request.body; its meter
    number "3" is not in the registry, so it is stored unmatched with its notes."""
    response = post_fixture(
        ingest_client, "real-feed-samples/call_center_event_20250924_135131_572280_p0_o2.json"
    )

    assert response.status_code == 201
    answer = response.json()
    assert (answer["source_event_id"], answer["status"]) == ("TC_1758721891516", "unmatched")
    assert answer["meters"]["total"] == 0
    assert answer["outage_event_id"] is None
    ticket = CallCenterTicket.objects.get()
    assert (ticket.processing_status, ticket.notes, ticket.meter_number) == ("unmatched", "3", "3")
    assert ticket.event_timestamp.isoformat() == "2025-09-24T13:51:31.516000+00:00"
    assert ticket.raw_payload["kafka_offset"] == 2


@pytest.mark.parametrize(
    "name", [name for name in fixture_names() if name.startswith("real-feed-samples/scada")]
)
def test_real_scada_samples(grid, ingest_client, name):
    """The real feed's substations (4A00000K123 …) are not in the fixture grid: stored, unmatched,
    nothing de-energized."""
    response = post_fixture(ingest_client, name)

    assert response.status_code == 201
    answer = response.json()
    assert answer["status"] == "unmatched"
    assert answer["meters"]["total"] == 0
    assert meters_off() == set()
    row = ScadaEvent.objects.get(source_event_id=answer["source_event_id"])
    assert row.processing_status == "unmatched"
    assert row.substation_id.startswith("4A00000")
    assert row.severity in {"low", "medium", "high", "critical"}


def test_kaifa_longest_ids_are_applied_and_stored(grid, ingest_client):
    """Message and event ids at their limit make the longest source key any feed sends."""
    payload = load_fixture("providers/kaifa_power_outage.json")
    payload["header"]["message_id"] = "m" * 140
    payload["payload"]["event_id"] = "e" * 140
    response = post(ingest_client, "kaifa", payload)

    assert response.status_code == 201, response.content
    (event,) = response.json()["events"]
    assert event["status"] == "processed"
    assert len(event["source_event_id"]) == 281
    assert OutageSource.objects.filter(source_event_id=event["source_event_id"]).exists()
