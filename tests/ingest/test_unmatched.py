"""Nothing lost: events whose meter, ONU, asset, usage point or device is unknown are stored,
listed, and applied by replay once the registry knows them (API, action and admin)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ingest.actions import replay_unmatched
from ingest.models import CallCenterTicket, KaifaEvent, OnuEvent, ScadaEvent
from meters.models import Meter
from tests.conftest import load_fixture
from tests.ingest.conftest import meter_range, meters_off, post, post_fixture, power_of
from topology.models import DistributionPoint, Feeder, Substation
from topology.sqlfuncs import refresh_meter_mappings

pytestmark = pytest.mark.django_db

UNKNOWN_ONU = {
    "eventId": "onu_unknown_1",
    "type": "ONU_LastGaspAlert",
    "onuId": 9999001,
    "timestamp": "2025-10-01T06:15:31Z",
    "associatedMeters": ["M49999001"],
}


def add_meter(number: str, dp: str = "DP001", **identifiers) -> Meter:
    meter = Meter.objects.create(
        meter_number=number, dp=DistributionPoint.objects.get(dp_id=dp), **identifiers
    )
    refresh_meter_mappings()
    return meter


def test_unknown_onu_is_stored_unmatched_listed_and_replayed(grid, ingest_client, token_client):
    answer = post(ingest_client, "onu", UNKNOWN_ONU).json()
    assert (answer["status"], answer["meters"]["total"]) == ("unmatched", 0)
    reader = token_client("read")

    listed = reader.get("/api/unmatched/").json()

    assert listed["count"] == 1
    (item,) = listed["results"]
    assert (item["provider"], item["source_event_id"]) == ("onu", "onu_unknown_1")
    assert item["identifiers"] == {"onuId": "9999001", "associatedMeters": ["M49999001"]}

    add_meter("M49999001", onu_id="9999001")
    report = token_client("operate").post("/api/unmatched/replay/", {}, format="json")

    assert report.status_code == 200, report.json()
    assert report.json()["processed"] == 1
    assert power_of("M49999001") == {"M49999001": "off"}
    row = OnuEvent.objects.get()
    assert (row.processing_status, row.answer["status"]) == ("processed", "processed")
    assert row.outage_event is not None
    assert reader.get("/api/unmatched/").json()["count"] == 0
    again = post(ingest_client, "onu", UNKNOWN_ONU)
    assert (again.status_code, again.json()["status"]) == (200, "processed")


def test_real_call_center_ticket_replayed_after_its_meter_is_registered(grid, ingest_client):
    post_fixture(
        ingest_client, "real-feed-samples/call_center_event_20250924_135131_572280_p0_o2.json"
    )
    add_meter("3", dp="DP005")

    report = replay_unmatched()

    assert report["providers"]["call_center"] == {"replayed": 1, "processed": 1}
    ticket = CallCenterTicket.objects.get()
    assert ticket.processing_status == "processed"
    assert ticket.outage_event is not None
    assert power_of("3") == {"3": "unknown"}  # a call never changes power status


def test_replay_leaves_still_unknown_events_unmatched(grid, ingest_client):
    post(ingest_client, "onu", UNKNOWN_ONU)

    report = replay_unmatched(provider="onu")

    assert report == {
        "replayed": 1,
        "processed": 0,
        "ignored": 0,
        "unmatched": 1,
        "providers": {"onu": {"replayed": 1, "unmatched": 1}},
    }
    assert OnuEvent.objects.get().processing_status == "unmatched"


def test_real_scada_events_replayed_after_their_feeder_is_registered(grid, ingest_client):
    for name in (
        "real-feed-samples/scada_event_20250924_082833_288886_unknown.json",  # loss of voltage
        "real-feed-samples/scada_event_20250924_082846_736879_unknown.json",  # restoration
        "real-feed-samples/scada_event_20250924_080206_810295_unknown.json",  # other feeder
    ):
        assert post_fixture(ingest_client, name).json()["status"] == "unmatched"
    substation = Substation.objects.create(substation_id="4A00000L663", name="L663")
    feeder = Feeder.objects.create(feeder_id="F00L663", name="F00L663", substation=substation)
    DistributionPoint.objects.create(dp_id="DPL663", name="L663 TX", feeder=feeder)
    for number in ("M48000001", "M48000002"):
        add_meter(number, dp="DPL663")

    report = replay_unmatched(provider="scada")

    assert report["replayed"] == 3
    assert (report["processed"], report["unmatched"]) == (2, 1)
    assert power_of("M48000001", "M48000002") == {"M48000001": "on", "M48000002": "on"}
    statuses = dict(ScadaEvent.objects.values_list("feeder_id", "processing_status"))
    assert statuses == {"F00L663": "processed", "F00K123": "unmatched"}


def test_kaifa_unknown_asset_replayed_from_admin(grid, ingest_client, client):
    event = load_fixture("providers/kaifa_power_outage.json")
    event["payload"]["assets"]["ns2:mRID"] = "KFM-NEW-1"
    event["payload"]["usage_point"]["ns2:mRID"] = "UP-NEW-1"
    assert post(ingest_client, "kaifa", event).json()["events"][0]["status"] == "unmatched"
    add_meter("M47000001", usage_point_mrid="UP-NEW-1")  # known by its usage point only
    admin = User.objects.create_superuser("steward", "s@example.com", "pw")
    client.force_login(admin)
    row = KaifaEvent.objects.get()

    response = client.post(
        reverse("admin:ingest_kaifaevent_changelist"),
        {"action": "replay_selected", "_selected_action": [row.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 processed" in response.content.decode()
    row.refresh_from_db()
    assert row.processing_status == "processed"
    assert meters_off() == {"M47000001"}


def test_unmatched_list_filters_by_provider_and_needs_read(grid, ingest_client, api_client):
    post(ingest_client, "onu", UNKNOWN_ONU)
    post_fixture(ingest_client, "real-feed-samples/scada_event_20250924_080206_810295_unknown.json")

    assert api_client.get("/api/unmatched/").status_code == 401
    reader = ingest_client  # ingest scopes only: no read
    assert reader.get("/api/unmatched/").status_code == 403


def test_unmatched_list_by_provider(grid, ingest_client, token_client):
    post(ingest_client, "onu", UNKNOWN_ONU)
    post_fixture(ingest_client, "real-feed-samples/scada_event_20250924_080206_810295_unknown.json")
    reader = token_client("read")

    assert reader.get("/api/unmatched/").json()["count"] == 2
    scada = reader.get("/api/unmatched/", {"provider": "scada"}).json()
    assert [item["provider"] for item in scada["results"]] == ["scada"]
    onu = reader.get("/api/unmatched/", {"provider": "onu"}).json()
    assert [item["source_event_id"] for item in onu["results"]] == ["onu_unknown_1"]
    assert reader.get("/api/unmatched/", {"provider": "nope"}).status_code == 400


def test_replay_needs_operate(grid, ingest_client, token_client, api_client):
    """With an event a replay would apply waiting, a reader's replay is refused and applies
    nothing; the operator's then does."""
    post(ingest_client, "onu", UNKNOWN_ONU)
    add_meter("M49999001", onu_id="9999001")

    assert api_client.post("/api/unmatched/replay/", {}).status_code == 401
    assert token_client("read").post("/api/unmatched/replay/", {}).status_code == 403
    assert OnuEvent.objects.get().processing_status == "unmatched"
    assert power_of("M49999001") == {"M49999001": "unknown"}

    report = token_client("operate").post("/api/unmatched/replay/", {}, format="json").json()
    assert report["processed"] == 1
    assert OnuEvent.objects.get().processing_status == "processed"
    assert power_of("M49999001") == {"M49999001": "off"}


def test_replay_of_chosen_ids(grid, ingest_client, token_client):
    post(ingest_client, "onu", UNKNOWN_ONU)
    post(ingest_client, "onu", {**UNKNOWN_ONU, "eventId": "onu_unknown_2"})
    add_meter("M49999001", onu_id="9999001")
    first = OnuEvent.objects.get(source_event_id="onu_unknown_1")
    operator = token_client("operate")

    report = operator.post(
        "/api/unmatched/replay/", {"provider": "onu", "ids": [first.pk]}, format="json"
    ).json()

    assert (report["replayed"], report["processed"]) == (1, 1)
    statuses = dict(OnuEvent.objects.values_list("source_event_id", "processing_status"))
    assert statuses == {"onu_unknown_1": "processed", "onu_unknown_2": "unmatched"}
    bad = operator.post("/api/unmatched/replay/", {"ids": [first.pk]}, format="json")
    assert bad.status_code == 400
    assert "provider" in bad.json()["errors"]


def test_scada_on_an_unknown_feeder_of_a_known_substation_is_not_widened(grid, ingest_client):
    event = {**load_fixture("providers/scada_loss_of_voltage.json"), "feederId": "FD999"}

    answer = post(ingest_client, "scada", event).json()

    assert answer["status"] == "unmatched"
    assert meters_off() == set()
    assert meter_range(1, 40) - meters_off()
