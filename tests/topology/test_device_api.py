"""/api/devices/ (§4): devices with their states, parent and downstream counts, one device with
its path, the meters it feeds (served by the meters app), and outages with device and path."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meters.models import Meter


@pytest.fixture
def reader(devices_grid, token_client):
    Meter.objects.update(power_status="on")
    return token_client("read")


def rows(response):
    assert response.status_code == 200, response.content
    return {(row["kind"], row["code"]): row for row in response.json()["results"]}


def test_devices_list_shows_states_parents_and_downstream_counts(reader):
    devices = rows(reader.get("/api/devices/"))
    assert set(devices) == {("recloser", "R1"), ("fuse", "F1"), ("fuse", "F2"), ("switch", "T1")}
    r1 = devices[("recloser", "R1")]
    assert {k: r1[k] for k in ("state", "normal_state", "telemetered", "energized")} == {
        "state": "closed",
        "normal_state": "closed",
        "telemetered": True,
        "energized": True,
    }
    assert (r1["substation"], r1["feeder"], r1["parent"]) == (
        "SS001",
        "FD001",
        {"kind": "feeder", "code": "FD001"},
    )
    assert (r1["meters_downstream"], r1["meters_off_downstream"]) == (40, 0)
    assert r1["customers_downstream"] == 40
    f1 = devices[("fuse", "F1")]
    assert (f1["parent"], f1["meters_downstream"]) == ({"kind": "recloser", "code": "R1"}, 20)
    t1 = devices[("switch", "T1")]
    assert (t1["state"], t1["meters_downstream"], t1["parent"]["code"]) == ("open", 0, "F1")
    assert devices[("fuse", "F2")]["meters_downstream"] == 0
    assert r1["location_lat"] == pytest.approx(32.0265)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "fuse"}, {"F1", "F2"}),
        ({"feeder": "fd002"}, {"F2"}),
        ({"substation": "SS001"}, {"R1", "F1", "F2", "T1"}),
        ({"state": "open"}, {"T1"}),
        ({"normal_state": "closed", "telemetered": "true"}, {"R1"}),
        ({"telemetered": "false"}, {"F1", "F2"}),
        ({"search": "tie"}, {"T1"}),
        ({"search": "r1"}, {"R1"}),
        ({"kind": "feeder", "substation": "SS001"}, {"FD001", "FD002"}),
    ],
)
def test_device_filters(reader, query, expected):
    assert {code for _, code in rows(reader.get("/api/devices/", query))} == expected


def test_device_list_is_a_fixed_number_of_queries(reader):
    with CaptureQueriesContext(connection) as queries:
        reader.get("/api/devices/")
    few = len(queries)
    with CaptureQueriesContext(connection) as queries:
        reader.get("/api/devices/", {"kind": "feeder"})
    assert len(queries) <= few + 1 and few <= 8


def test_bad_filters_are_400_naming_the_field(reader):
    assert "kind" in reader.get("/api/devices/", {"kind": "breaker"}).json()
    assert "state" in reader.get("/api/devices/", {"state": "ajar"}).json()


def test_one_device_with_its_path_any_case(reader):
    response = reader.get("/api/devices/fuse/f1/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["code"], body["meters_downstream"]) == ("fuse", "F1", 20)
    assert body["path"] == [
        {"kind": "recloser", "code": "R1"},
        {"kind": "feeder", "code": "FD001"},
        {"kind": "substation", "code": "SS001"},
    ]
    feeder = reader.get("/api/devices/feeder/FD003/").json()
    assert (feeder["energized"], feeder["meters_downstream"], feeder["path"]) == (
        True,
        40,
        [{"kind": "substation", "code": "SS002"}],
    )
    assert reader.get("/api/devices/fuse/F404/").status_code == 404
    assert reader.get("/api/devices/breaker/F1/").status_code == 404


def test_meters_of_a_device_follow_the_switching(reader, token_client):
    page = reader.get("/api/devices/fuse/F1/meters/").json()
    assert page["count"] == 20
    assert {row["dp"] for row in page["results"]} == {"DP002"}
    assert reader.get("/api/devices/recloser/R1/meters/", {"page_size": 5}).json()["count"] == 40
    assert reader.get("/api/devices/switch/T1/meters/").json()["count"] == 0
    assert reader.get("/api/devices/dp/dp001/meters/").json()["count"] == 20
    assert reader.get("/api/devices/fuse/F404/meters/").status_code == 404
    assert reader.get("/api/feeders/FD001/meters/").json()["count"] == 40

    operator = token_client("operate")
    for kind, code, action in (("fuse", "F1", "open"), ("switch", "T1", "close")):
        response = operator.post(
            f"/api/devices/{kind}/{code}/operate/", {"action": action}, format="json"
        )
        assert response.status_code == 200, response.content
    # F1 is open and its section is back-fed through T1: T1 feeds DP002 now, F1 nothing.
    assert reader.get("/api/devices/fuse/F1/meters/").json()["count"] == 0
    assert reader.get("/api/devices/switch/T1/meters/").json()["count"] == 20
    assert reader.get("/api/feeders/FD003/meters/").json()["count"] == 60
    t1 = reader.get("/api/devices/switch/T1/").json()
    assert (t1["state"], t1["meters_downstream"], t1["parent"]) == (
        "closed",
        20,
        {"kind": "feeder", "code": "FD003"},
    )


def test_outages_carry_device_kind_and_path(reader, token_client):
    operator = token_client("operate")
    operator.post("/api/devices/fuse/F1/operate/", {"action": "open"}, format="json")
    (outage,) = reader.get("/api/outages/", {"status": "active"}).json()["results"]
    assert (outage["scope"], outage["device"], outage["device_kind"]) == ("fuse", "F1", "fuse")
    assert outage["path"] == [
        {"kind": "recloser", "code": "R1"},
        {"kind": "feeder", "code": "FD001"},
        {"kind": "substation", "code": "SS001"},
    ]
    assert outage["event_type"] == "planned_outage"
    assert reader.get("/api/outages/", {"scope": "fuse"}).json()["count"] == 1


def test_device_rows_equal_the_declared_fields(reader):
    """The serializers build their rows directly; they equal DRF's field-by-field output."""
    import json

    from rest_framework import serializers

    from topology.api.devices import (
        NetworkDeviceDetailSerializer,
        NetworkDeviceSerializer,
        devices_for_api,
    )
    from topology.devices import downstream_counts

    for kind, scope in (("", "inline"), ("feeder", "feeder")):
        devices = list(devices_for_api(kind))
        context = {"counts": downstream_counts(scope, [device.pk for device in devices])}
        assert devices
        for cls in (NetworkDeviceSerializer, NetworkDeviceDetailSerializer):
            for device in devices:
                fast = cls(device, context=context).data
                generic = serializers.Serializer.to_representation(cls(context=context), device)
                assert json.dumps(fast) == json.dumps(dict(generic)), (cls, device)
