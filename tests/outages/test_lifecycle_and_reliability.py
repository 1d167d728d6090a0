"""Operator lifecycle through the API, and IEEE 1366 indices on a hand-computed scenario."""

import pytest

from outages.models import Outage
from tests.outages.engine_helpers import (
    at,
    loss_of_voltage,
    meter_evidence,
    meter_numbers,
    power,
    restoration,
)


@pytest.fixture
def feeder_outage(grid):
    return Outage.objects.get(event_id=loss_of_voltage("FD001", at(0))["outage_event_id"])


def transition(client, outage, **body):
    return client.post(f"/api/outages/{outage.event_id}/transition/", body, format="json")


def test_operator_walks_an_outage_through_its_lifecycle(feeder_outage, token_client):
    client = token_client("operate", "read")

    assert transition(client, feeder_outage, status="confirmed").status_code == 200
    answer = transition(
        client,
        feeder_outage,
        status="in_progress",
        crew="Crew 7",
        estimated_restoration_time="2025-10-01T09:00:00Z",
        note="Cable fault near TX-2",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "in_progress"
    assert answer.json()["estimated_restoration_time"].startswith("2025-10-01T09:00:00")
    assert transition(client, feeder_outage, status="restored").json()["status"] == "restored"
    assert set(power(meter_numbers(1, 40)).values()) == {"on"}
    assert transition(client, feeder_outage, status="cleared").json()["status"] == "cleared"

    feeder_outage.refresh_from_db()
    assert feeder_outage.crew == "Crew 7"
    changes = list(
        feeder_outage.timeline.filter(event_type="status_change").values_list(
            "description", flat=True
        )
    )
    assert changes[0] == "Status detected → confirmed"
    assert "Crew Crew 7" in changes[1] and "Cable fault near TX-2" in changes[1]
    assert len(changes) == 4


def test_illegal_transition_is_409_and_changes_nothing(feeder_outage, token_client):
    client = token_client("operate")
    answer = transition(client, feeder_outage, status="cleared")
    assert answer.status_code == 409
    assert "detected to cleared" in answer.json()["detail"]
    feeder_outage.refresh_from_db()
    assert feeder_outage.status == "detected"


def test_transition_needs_operate_scope_and_a_known_outage(feeder_outage, token_client, api_client):
    assert transition(api_client, feeder_outage, status="confirmed").status_code == 401
    assert transition(token_client("read"), feeder_outage, status="confirmed").status_code == 403
    operator = token_client("operate")
    assert transition(operator, feeder_outage, status="sideways").status_code == 400
    missing = operator.post(
        "/api/outages/OMS-X/transition/", {"status": "confirmed"}, format="json"
    )
    assert missing.status_code == 404


# The operator's steps from detection to each active status.
ON_THE_WAY = {
    "detected": [],
    "confirmed": ["confirmed"],
    "in_progress": ["confirmed", "in_progress"],
}


@pytest.mark.parametrize("status", ["detected", "confirmed", "in_progress"])
def test_cancel_from_any_active_status(feeder_outage, token_client, status):
    client = token_client("operate", "read")
    for step in ON_THE_WAY[status]:
        assert transition(client, feeder_outage, status=step).status_code == 200
    feeder_outage.refresh_from_db()
    assert feeder_outage.status == status

    answer = transition(client, feeder_outage, status="cancelled")

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "cancelled"
    feeder_outage.refresh_from_db()
    assert feeder_outage.status == "cancelled"
    last = feeder_outage.timeline.filter(event_type="status_change").order_by("id").last()
    assert last.description == f"Status {status} → cancelled"
    assert client.get("/api/outages/", {"status": "active"}).json()["count"] == 0
    assert transition(client, feeder_outage, status="cancelled").status_code == 409


def test_an_ended_outage_cannot_be_cancelled(feeder_outage, token_client):
    client = token_client("operate")
    restoration("FD001", at(minutes=30))
    feeder_outage.refresh_from_db()
    assert feeder_outage.status == "restored"
    assert transition(client, feeder_outage, status="cancelled").status_code == 409
    feeder_outage.refresh_from_db()
    assert feeder_outage.status == "restored"


def test_reliability_indices_match_a_hand_computed_period(grid, token_client):
    # A: FD003 out 60 min: 40 customers sustained, 2,400 customer-minutes.
    loss_of_voltage("FD003", at(0), substation="SS002")
    restoration("FD003", at(minutes=60), substation="SS002")
    # B: FD002 out 2 min: 39 customers (CUST_00000041 has two meters), momentary.
    loss_of_voltage("FD002", at(minutes=120))
    restoration("FD002", at(minutes=122))
    # C: DP001 rolled up from 10 last gasps; 5 back after 10 min, the other 15 after 30 min.
    dp001 = meter_numbers(1, 20)
    meter_evidence(dp001[:10], "off", at(minutes=180))
    meter_evidence(dp001[:5], "on", at(minutes=190))
    meter_evidence(dp001[5:10], "on", at(minutes=210))
    # D: a ticket, cancelled: not counted.
    meter_evidence(["M40000100"], "report", at(minutes=240), provider="call_center")
    ticket = Outage.objects.get(scope="meter", status="detected")
    transition(token_client("operate"), ticket, status="cancelled")

    answer = token_client("read").get(
        "/api/reliability/", {"start": "2025-10-01T00:00:00Z", "end": "2025-10-02T00:00:00Z"}
    )

    assert answer.status_code == 200
    body = answer.json()
    assert body["customers_served"] == 119
    assert body["customer_interruptions"] == 60
    assert body["momentary_customer_interruptions"] == 39
    assert body["customer_minutes_interrupted"] == pytest.approx(2400 + 5 * 10 + 15 * 30)
    assert body["saifi"] == pytest.approx(60 / 119, abs=1e-6)
    assert body["saidi"] == pytest.approx(2900 / 119, abs=1e-6)
    assert body["caidi"] == pytest.approx(2900 / 60, abs=1e-5)
    assert body["maifi"] == pytest.approx(39 / 119, abs=1e-6)


def test_reliability_rejects_a_period_without_zone_or_backwards(token_client):
    client = token_client("read")
    assert client.get("/api/reliability/", {"start": "2025-10-01T00:00:00"}).status_code == 400
    backwards = client.get(
        "/api/reliability/", {"start": "2025-10-02T00:00:00Z", "end": "2025-10-01T00:00:00Z"}
    )
    assert backwards.status_code == 400
    assert "end" in backwards.json()
