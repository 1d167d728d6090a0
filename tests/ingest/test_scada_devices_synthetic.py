"""SCADA statuses on generated and real networks. The synthetic grid with devices
(oms.storm.generate_grid(devices=True)): each feeder's head switch SW → recloser RC
(telemetered) → sectionalizer SC, fuses on laterals, a normally-open tie TI (telemetered) from
SC to the next feeder's SC; a lockout of RC-FD001, a back-feed through TI-FD001 from FD002, and
the reclose after the tie opened again. IEEE 123 (imported with import_feeder): its switches are
not telemetered until a steward says so; its feeder breaker trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meters.models import Meter
from oms.storm import generate_grid
from outages.models import Outage
from tests.conftest import missing
from tests.ingest.conftest import post
from topology.grid import import_grid
from topology.models import Device

T0 = datetime(2025, 10, 1, 6, 0, tzinfo=UTC)


def event(code: str, device: str, kind: str, seconds: float, feeder: str = "FD001") -> dict:
    return {
        "eventType": code,
        "substationId": "SS001",
        "feederId": feeder,
        "deviceId": device,
        "deviceType": kind,
        "timestamp": (T0 + timedelta(seconds=seconds)).isoformat(),
    }


def off() -> set[int]:
    return set(Meter.objects.filter(power_status="off").values_list("id", flat=True))


def test_lockout_back_feed_and_reclose_on_the_synthetic_grid(db, tmp_path, token_client):
    generate_grid(tmp_path, 2, 2, 40, 2, seed=5, devices=True)
    assert not import_grid(tmp_path).errors
    Meter.objects.update(power_status="on")
    reader, feed = token_client("read"), token_client("ingest:scada")
    below = reader.get("/api/devices/recloser/RC-FD001/meters/", {"page_size": 500}).json()
    below_rc = {row["meter_number"] for row in below["results"]}
    assert below["count"] == len(below_rc) > 0

    trip = post(feed, "scada", event("TRIP", "RC-FD001", "recloser", 0)).json()
    lockout = post(feed, "scada", event("LOCKOUT", "RC-FD001", "recloser", 15)).json()

    assert trip["meters"]["off"] == len(below_rc) and lockout["note"].endswith("already open.")
    assert (
        set(Meter.objects.filter(id__in=off()).values_list("meter_number", flat=True)) == below_rc
    )
    outage = Outage.objects.get(event_id=trip["outage_event_id"])
    assert (outage.scope, outage.event_type, outage.affected_meters_count) == (
        "recloser",
        "outage",
        len(below_rc),
    )

    # The control room closes the tie from SCADA: SC-FD001's section is fed from FD002.
    tie = post(feed, "scada", event("CLOSED", "TI-FD001", "switch", 600)).json()
    assert tie["status"] == "processed" and tie["meters"]["on"] > 0
    back_fed = reader.get("/api/devices/switch/TI-FD001/meters/", {"page_size": 500}).json()
    assert {row["feeder"] for row in back_fed["results"]} == {"FD002"}
    assert len(off()) == len(below_rc) - tie["meters"]["on"]

    # RC-FD001 reclosing now would parallel FD001 and FD002: refused, unmatched, nothing moves.
    early = post(feed, "scada", event("RECLOSE", "RC-FD001", "recloser", 900)).json()
    assert early["status"] == "unmatched" and "two energized parts" in early["note"]
    assert Device.objects.get(code="RC-FD001").state == "open"

    # The tie opens again (its section goes dark), then the recloser closes: all back on FD001.
    post(feed, "scada", event("OPEN", "TI-FD001", "switch", 1200))
    assert post(feed, "scada", event("CLOSE", "RC-FD001", "recloser", 1201)).json()["meters"][
        "on"
    ] == len(below_rc)
    assert not off()
    assert set(
        Meter.objects.filter(meter_number__in=below_rc).values_list("feeder__feeder_id", flat=True)
    ) == {"FD001"}
    outage.refresh_from_db()
    assert outage.status == "restored" and outage.event_type == "outage"
    log = reader.get("/api/switching/").json()["results"]
    assert [(e["device_code"], e["to_state"], e["source"]) for e in log] == [
        ("RC-FD001", "closed", "scada"),
        ("TI-FD001", "open", "scada"),
        ("TI-FD001", "closed", "scada"),
        ("RC-FD001", "open", "scada"),
    ]


def test_on_ieee123_a_breaker_trip_and_a_switch_once_telemetered(db, token_client):
    from tests.topology.test_import_feeder import FEEDERS, import_model

    if not FEEDERS.is_dir():
        missing(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    import_model("ieee123")
    Meter.objects.update(power_status="on")
    reader, feed = token_client("read", "operate"), token_client("ingest:scada")
    (breaker,) = reader.get("/api/devices/", {"kind": "feeder"}).json()["results"]
    substation = breaker["substation"]

    def scada(code, device, kind, seconds):
        return post(
            feed, "scada", {**event(code, device, kind, seconds), "substationId": substation}
        )

    # The switches of the model are not telemetered: a status of one waits, unmatched.
    switch = next(
        row
        for row in reader.get("/api/devices/", {"kind": "switch", "state": "closed"}).json()[
            "results"
        ]
        if row["meters_downstream"] > 0
    )
    assert switch["telemetered"] is False
    waiting = scada("OPEN", switch["code"].upper(), "switch", 0).json()
    assert waiting["status"] == "unmatched" and "not telemetered" in waiting["note"]

    Device.objects.filter(kind="switch", code=switch["code"]).update(telemetered=True)
    report = reader.post("/api/unmatched/replay/", {"provider": "scada"}, format="json").json()
    assert report["processed"] == 1
    assert len(off()) == switch["meters_downstream"]

    trip = scada("BREAKER_OPEN", breaker["code"].upper(), "feeder", 60).json()
    assert trip["status"] == "processed" and trip["device"]["code"] == breaker["code"]
    assert len(off()) == Meter.objects.count()
    assert Outage.objects.get(event_id=trip["outage_event_id"]).scope == "feeder"
    detail = reader.get(f"/api/devices/feeder/{breaker['code']}/").json()
    assert (detail["state"], detail["energized"]) == ("open", False)
