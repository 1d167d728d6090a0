"""The read side of CONTRACT §4: meters, devices with counts, outages; filters, pages, scopes."""

from __future__ import annotations

import pytest

from meters.models import Meter, MeterStatusEvent

pytestmark = pytest.mark.django_db

READ_PATHS = [
    "/api/meters/",
    "/api/meters/M40000001/",
    "/api/meters/M40000001/history/",
    "/api/substations/",
    "/api/feeders/",
    "/api/distribution-points/",
    "/api/substations/SS001/meters/",
    "/api/feeders/FD001/meters/",
    "/api/outages/",
    "/api/outages/{feeder}/",
    "/api/outages/{feeder}/meters/",
]


@pytest.mark.parametrize("path", READ_PATHS)
def test_read_paths_need_the_read_scope(outages, api_client, token_client, path):
    path = path.format(**outages)
    assert api_client.get(path).status_code == 401
    assert token_client("ingest:scada").get(path).status_code == 403
    assert token_client("read").get(path).status_code == 200


def test_a_logged_in_browser_may_read(outages, api_client, operator):
    api_client.force_login(operator)
    assert api_client.get("/api/outages/").status_code == 200


def test_meters_filter_by_device_and_status(grid, token_client):
    client = token_client("read")
    Meter.objects.filter(meter_number__in=["M40000001", "M40000002"]).update(power_status="off")
    body = client.get("/api/meters/", {"feeder": "FD001", "power_status": "off"}).json()
    assert body["count"] == 2
    assert [m["meter_number"] for m in body["results"]] == ["M40000001", "M40000002"]
    assert body["results"][0]["substation"] == "SS001"
    assert body["results"][0]["dp"] == "DP001"
    assert body["results"][0]["customer"]["customer_id"] == "CUST_00000001"
    assert client.get("/api/meters/", {"dp": "DP006"}).json()["count"] == 20
    assert client.get("/api/meters/", {"substation": "SS002"}).json()["count"] == 40
    assert client.get("/api/meters/", {"search": "4000011"}).json()["count"] == 10
    assert client.get("/api/meters/", {"power_status": "sideways"}).status_code == 400


def test_meters_search_by_onu(grid, token_client):
    onu = Meter.objects.get(meter_number="M40000001").onu_id
    body = token_client("read").get("/api/meters/", {"search": onu}).json()
    assert body["count"] >= 1
    assert all(row["onu_id"] == onu for row in body["results"])


def test_meter_list_is_paginated_and_ordered(grid, token_client):
    client = token_client("read")
    first = client.get("/api/meters/", {"page_size": 25}).json()
    assert first["count"] == 120
    assert len(first["results"]) == 25
    assert first["previous"] is None and "page=2" in first["next"]
    numbers = [m["meter_number"] for m in first["results"]]
    assert numbers == sorted(numbers)
    last = client.get("/api/meters/", {"page_size": 25, "page": 5}).json()
    assert len(last["results"]) == 20 and last["next"] is None


def test_one_meter_and_its_history_newest_first(grid, token_client):
    from datetime import UTC, datetime

    meter = Meter.objects.get(meter_number="M40000003")
    for minute, (before, after) in enumerate([("unknown", "off"), ("off", "on")]):
        MeterStatusEvent.objects.create(
            meter=meter,
            event_type="test",
            previous_status=before,
            new_status=after,
            source_type="onu",
            source_event_id=f"E{minute}",
            event_timestamp=datetime(2025, 10, 1, 6, minute, tzinfo=UTC),
        )
    client = token_client("read")
    one = client.get("/api/meters/M40000003/").json()
    assert one["feeder"] == "FD001" and one["customer"]["customer_id"] == "CUST_00000003"
    history = client.get("/api/meters/M40000003/history/").json()
    assert [row["new_status"] for row in history["results"]] == ["on", "off"]
    assert client.get("/api/meters/NOPE/").status_code == 404
    assert client.get("/api/meters/NOPE/history/").status_code == 404


def test_devices_carry_meter_counts(grid, token_client):
    Meter.objects.filter(dp__dp_id="DP001").update(power_status="off")
    Meter.objects.filter(dp__dp_id="DP002").update(power_status="on")
    client = token_client("read")
    substations = client.get("/api/substations/").json()["results"]
    assert [s["code"] for s in substations] == ["SS001", "SS002"]
    assert substations[0]["meters"] == {"total": 80, "on": 20, "off": 20, "unknown": 40}
    feeders = client.get("/api/feeders/", {"substation": "SS001"}).json()["results"]
    assert [(f["code"], f["meters"]["off"]) for f in feeders] == [("FD001", 20), ("FD002", 0)]
    dps = client.get("/api/distribution-points/", {"feeder": "FD001"}).json()["results"]
    assert [(d["code"], d["substation"], d["meters"]["on"]) for d in dps] == [
        ("DP001", "SS001", 0),
        ("DP002", "SS001", 20),
    ]
    one = client.get("/api/feeders/FD003/").json()
    assert one["substation"] == "SS002" and one["meters"]["total"] == 40
    assert client.get("/api/feeders/FD999/").status_code == 404


def test_meters_fed_from_a_device(grid, token_client):
    Meter.objects.filter(meter_number="M40000005").update(status="inactive")
    client = token_client("read")
    body = client.get("/api/feeders/FD001/meters/").json()
    assert body["count"] == 39  # active meters only
    assert client.get("/api/substations/SS002/meters/").json()["count"] == 40
    assert client.get("/api/substations/SS001/meters/", {"dp": "DP003"}).json()["count"] == 20
    assert client.get("/api/substations/SS404/meters/").status_code == 404


def test_outage_list_filters(outages, token_client):
    client = token_client("read")
    feeder, dp, meter, cleared = (outages[k] for k in ("feeder", "dp", "meter", "cleared"))

    def ids(**params):
        body = client.get("/api/outages/", params).json()
        return [o["event_id"] for o in body["results"]]

    # Newest first; the meter outages the DP outage absorbed are listed as merged.
    merged = ids(status="merged")
    assert len(merged) == 9  # the tenth last gasp found the DP outage standing
    assert ids() == [cleared, meter, dp, *merged, feeder]
    assert ids(status="active") == [dp, feeder]
    assert ids(status="restored") == [meter]
    assert ids(status="restored,cleared") == [cleared, meter]
    assert ids(scope="dp") == [dp]
    assert ids(scope="meter", status="restored") == [meter]
    assert ids(substation="SS001") == [cleared, meter, feeder]
    assert ids(substation="SS002") == [dp, *merged]
    assert ids(feeder="FD002") == [feeder]
    assert ids(feeder="FD001") == [cleared, meter]
    assert ids(since="2025-10-01T06:25:30Z") == [cleared, meter, dp, *merged]
    assert ids(since="2025-10-01T06:25:31Z", until="2025-10-01T06:45:30Z") == [meter]
    assert client.get("/api/outages/", {"status": "lost"}).status_code == 400
    assert client.get("/api/outages/", {"since": "yesterday"}).status_code == 400


def test_outage_shape(outages, token_client):
    row = token_client("read").get("/api/outages/", {"feeder": "FD002"}).json()["results"][0]
    contract = {
        "event_id", "event_type", "status", "scope", "substation", "feeder", "dp", "severity",
        "confidence_score", "affected_meters_count", "restored_meters_count",
        "affected_customers_count", "first_detected_at", "estimated_restoration_time",
        "actual_restoration_time", "root_cause", "description", "source_types", "source_count",
    }  # fmt: skip
    assert contract <= set(row)
    assert row["event_id"] == outages["feeder"] and row["status"] == "detected"
    assert row["substation"] == "SS001" and row["feeder"] == "FD002" and row["dp"] is None
    assert row["confidence_score"] == 1.0  # SCADA's loss of voltage at the feeder: a fact
    assert row["source_types"] == ["onu", "scada"]
    assert row["source_count"] == 2
    assert row["affected_meters_count"] == 40
    assert row["affected_customers_count"] == 39  # CUST_00000041 has two of its meters
    assert row["location_lat"] == pytest.approx(32.02)  # the feeder's
    dp = token_client("read").get("/api/outages/", {"scope": "dp"}).json()["results"][0]
    assert (dp["status"], dp["source_count"]) == ("confirmed", 10)
    assert dp["source_types"] == ["kaifa", "onu"]
    assert (dp["affected_meters_count"], dp["affected_customers_count"]) == (20, 20)


def test_one_outage_with_sources_timeline_and_meters(outages, token_client):
    client = token_client("read")
    body = client.get(f"/api/outages/{outages['feeder']}/").json()
    assert [s["source_type"] for s in body["sources"]] == ["scada", "onu"]
    assert body["sources"][1]["source_event_id"] == "onu-4200043-ONU_LastGaspAlert-0.1"
    assert [t["description"] for t in body["timeline"]] == [
        "Outage detected",
        "1 scada event",
        "1 onu event",
    ]
    meters = client.get(f"/api/outages/{outages['feeder']}/meters/").json()
    assert meters["count"] == 40
    first = meters["results"][0]
    assert first["meter_number"] == "M40000041" and first["dp"] == "DP003"
    assert first["off_at"].startswith("2025-10-01T06:15:30") and first["restored_at"] is None
    restored = client.get(f"/api/outages/{outages['meter']}/meters/").json()["results"]
    assert [(m["meter_number"], m["restored_at"][:19]) for m in restored] == [
        ("M40000003", "2025-10-01T07:05:30")
    ]
    assert client.get("/api/outages/OMS-404/").status_code == 404
    assert client.get("/api/outages/OMS-404/meters/").status_code == 404


def test_meter_positions_for_the_map(grid, token_client):
    body = token_client("read").get("/api/meters/positions/", {"feeder": "FD003"}).json()
    assert body["fields"][0] == "meter_number" and not body["truncated"]
    assert len(body["rows"]) == 40
    assert body["rows"][0][0] == "M40000081"


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/api/meters/?page_size=100", 4),
        ("/api/substations/", 4),
        ("/api/feeders/", 4),
        ("/api/distribution-points/", 4),
        # the feeder, its counts from its sections, the page's meter ids, then their rows
        ("/api/feeders/FD001/meters/", 6),
        ("/api/outages/", 4),
        ("/api/outages/{feeder}/", 5),
        ("/api/outages/{feeder}/meters/", 5),
        ("/api/meters/M40000001/history/", 5),
    ],
)
def test_no_query_per_row(outages, token_client, django_assert_max_num_queries, path, max_queries):
    """Token lookup (+ last_used update), count, page; never one more query per row."""
    client = token_client("read")
    with django_assert_max_num_queries(max_queries):
        response = client.get(path.format(**outages))
    assert response.status_code == 200
