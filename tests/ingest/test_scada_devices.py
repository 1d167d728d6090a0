"""SCADA status of telemetered devices through /api/ingest/scada/ (CONTRACT §10, issue 10):
trip, reclose, lockout, open and close set a device's state through the operators' switching
path. The CSV grid with devices: FD001 → recloser R1 (telemetered; DP001) → fuse F1 (not
telemetered; DP002) ··· tie T1 (telemetered, normally open) ··· FD003 (SS002; DP005, DP006)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from ingest.models import ScadaEvent, VocabularyTerm
from meters.models import Meter, MeterStatusEvent
from outages.models import ACTIVE_STATUSES, Outage
from tests.conftest import devices_grid_dir
from tests.ingest.conftest import post, row_counts
from tests.outages.engine_helpers import at
from topology.grid import import_grid
from topology.models import Device, Feeder, SwitchingOperation


def status(code: str, device: str | None, when, kind: str | None = "recloser", **more) -> dict:
    event = {
        "eventType": code,
        "substationId": "SS001",
        "feederId": "FD001",
        "timestamp": when.isoformat(),
        **more,
    }
    if device is not None:
        event["deviceId"] = device
    if kind is not None:
        event["deviceType"] = kind
    return event


def power(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("power_status", flat=True))


def feeders_of(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("feeder__feeder_id", flat=True))


def state(code: str) -> str:
    return Device.objects.get(code=code).state


@pytest.fixture
def feed(devices_grid, ingest_client):
    Meter.objects.update(power_status="on")
    return ingest_client


@pytest.fixture
def reader(token_client):
    return token_client("read")


def test_a_recloser_trip_is_an_unplanned_outage_at_the_recloser(feed, reader):
    response = post(feed, "scada", status("TRIP", "R1", at(0), reason="Protection Trip"))

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == "processed"
    assert answer["meters"] == {"total": 40, "off": 40, "on": 0, "unknown": 0}
    assert answer["device"] == {"kind": "recloser", "code": "R1"}
    assert answer["note"] == ""
    assert state("R1") == "open"
    assert power("DP001") == power("DP002") == {"off"}
    assert power("DP003") == power("DP005") == {"on"}
    (outage,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert outage.event_id == answer["outage_event_id"]
    assert (outage.scope, outage.device_id, outage.event_type) == (
        "recloser",
        Device.objects.get(code="R1").pk,
        "outage",
    )
    assert outage.affected_meters_count == 40
    # The meters' audit rows are SCADA's, at the event's own time.
    assert set(
        MeterStatusEvent.objects.filter(meter__dp__dp_id="DP002").values_list(
            "source_type", "new_status", "event_timestamp"
        )
    ) == {("scada", "off", at(0))}
    (entry,) = reader.get("/api/switching/").json()["results"]
    assert (entry["device_kind"], entry["device_code"], entry["from_state"]) == (
        "recloser",
        "R1",
        "closed",
    )
    assert (entry["to_state"], entry["source"], entry["meters_de_energized"]) == (
        "open",
        "scada",
        40,
    )
    assert entry["source_event_id"] == answer["source_event_id"]
    assert SwitchingOperation.objects.get().operated_at == at(0)


def test_trip_then_reclose_seconds_later_is_a_momentary_outage(feed, reader):
    trip = post(feed, "scada", status("TRIP", "R1", at(0))).json()
    reclose = post(feed, "scada", status("RECLOSE", "R1", at(seconds=2))).json()

    assert reclose["status"] == "processed"
    assert reclose["meters"] == {"total": 40, "off": 0, "on": 40, "unknown": 0}
    assert reclose["outage_event_id"] == trip["outage_event_id"]
    assert state("R1") == "closed"
    assert power("DP001") == power("DP002") == {"on"}
    outage = Outage.objects.get(event_id=trip["outage_event_id"])
    assert (outage.status, outage.event_type) == ("restored", "momentary")
    assert outage.actual_restoration_time == at(seconds=2)
    indices = reader.get(
        "/api/reliability/",
        {"start": at(minutes=-60).isoformat(), "end": at(minutes=60).isoformat()},
    ).json()
    assert indices["saifi"] == 0 and indices["maifi"] > 0


def test_a_lockout_stays_open_and_the_outage_is_sustained(feed):
    trip = post(feed, "scada", status("tripped", "R1", at(0))).json()
    lockout = post(feed, "scada", status("LOCKED_OUT", "r1", at(seconds=20))).json()

    assert lockout["status"] == "processed"
    assert lockout["note"] == "recloser R1 is already open."
    assert lockout["meters"]["total"] == 0
    assert state("R1") == "open"
    assert SwitchingOperation.objects.count() == 1
    outage = Outage.objects.get(event_id=trip["outage_event_id"])
    assert outage.status in ACTIVE_STATUSES and outage.event_type == "outage"

    # Closed by SCADA 40 minutes later: restored, and sustained.
    post(feed, "scada", status("BREAKER_CLOSED", "R1", at(minutes=40)))
    outage.refresh_from_db()
    assert (outage.status, outage.event_type) == ("restored", "outage")
    assert power("DP001") == {"on"}


def test_a_tie_closed_by_scada_back_feeds_the_section_behind_an_open_recloser(feed):
    post(feed, "scada", status("LOCKOUT", "R1", at(0)))
    answer = post(
        feed, "scada", status("CLOSED", "T1", at(minutes=20), kind="switch", feederId="")
    ).json()

    assert answer["status"] == "processed", answer
    assert answer["meters"]["on"] == 40
    assert state("T1") == "closed"
    assert power("DP001") == power("DP002") == {"on"}
    assert feeders_of("DP001") == feeders_of("DP002") == {"FD003"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM get_meters_by_feeder('FD003')")
        assert cursor.fetchone()[0] == 80
    outage = Outage.objects.get(scope="recloser")
    assert (outage.status, outage.event_type) == ("restored", "outage")
    assert list(SwitchingOperation.objects.values_list("device_code", "to_state", "source")) == [
        ("T1", "closed", "scada"),
        ("R1", "open", "scada"),
    ]


def test_redelivery_and_a_resent_state_change_nothing(feed):
    first = post(feed, "scada", status("TRIP", "R1", at(0)))
    counts = (row_counts(), SwitchingOperation.objects.count())

    again = post(feed, "scada", status("TRIP", "R1", at(0)))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "duplicate": True}
    assert (row_counts(), SwitchingOperation.objects.count()) == counts

    # A re-sent "open" (new event, same state): stored, answered, nothing changes; no 409.
    resent = post(feed, "scada", status("OPEN", "R1", at(minutes=1)))
    assert resent.status_code == 201
    assert (resent.json()["status"], resent.json()["note"]) == (
        "processed",
        "recloser R1 is already open.",
    )
    assert SwitchingOperation.objects.count() == 1
    assert power("DP001") == {"off"}


def test_a_late_status_never_overrides_a_newer_one(feed):
    post(feed, "scada", status("TRIP", "R1", at(0)))
    post(feed, "scada", status("RECLOSE", "R1", at(minutes=2)))

    late = post(feed, "scada", status("LOCKOUT", "R1", at(minutes=1))).json()

    assert late["status"] == "processed"
    assert late["note"].startswith("Older than recloser R1's last operation")
    assert state("R1") == "closed" and power("DP001") == {"on"}
    assert SwitchingOperation.objects.count() == 2


def test_a_late_trip_after_an_unchanged_close_is_not_applied(feed):
    # The reclose comes first (R1 is closed already: nothing to do), the trip before it late.
    post(feed, "scada", status("RECLOSED", "R1", at(seconds=3)))
    late = post(feed, "scada", status("TRIP", "R1", at(0))).json()

    assert late["note"].startswith("Older than")
    assert state("R1") == "closed"
    assert SwitchingOperation.objects.count() == 0


def test_feeder_breaker_status_without_device_id_and_by_device_type(feed):
    answer = post(feed, "scada", status("BREAKER_OPEN", None, at(0), kind=None)).json()

    assert (answer["status"], answer["device"]) == (
        "processed",
        {"kind": "feeder", "code": "FD001"},
    )
    assert Feeder.objects.get(feeder_id="FD001").state == "open"
    assert power("DP001") == {"off"}
    assert Outage.objects.get(status__in=ACTIVE_STATUSES).scope == "feeder"

    answer = post(feed, "scada", status("breaker_close", "fd001", at(minutes=30), kind="FEEDER"))
    # The legacy breaker_close keeps the seed's meaning: restoration evidence, state unchanged.
    assert answer.json()["status"] == "processed"
    closed = post(feed, "scada", status("CLOSE", "fd001", at(minutes=31), kind="Feeder")).json()
    assert closed["status"] == "processed" and closed["device"]["code"] == "FD001"
    assert Feeder.objects.get(feeder_id="FD001").state == "closed"
    assert power("DP001") == {"on"}


def test_untelemetered_unknown_substation_and_refused_statuses(feed):
    # F1 is not telemetered: SCADA cannot report it; unmatched until the registry says it is.
    fuse = post(feed, "scada", status("OPEN", "F1", at(0), kind="fuse")).json()
    assert fuse["status"] == "unmatched"
    assert "not telemetered" in fuse["note"]
    unknown = post(feed, "scada", status("TRIP", "R9", at(0))).json()
    assert (unknown["status"], unknown["note"]) == ("unmatched", "No recloser R9 in the registry.")
    substation = post(feed, "scada", status("OPEN", None, at(0), kind=None, feederId="")).json()
    assert substation["status"] == "ignored"
    # Closing T1 with both sides energized would parallel two sources: the model refuses it.
    tie = post(feed, "scada", status("CLOSE", "T1", at(0), kind="switch")).json()
    assert tie["status"] == "unmatched" and "two energized parts" in tie["note"]

    assert SwitchingOperation.objects.count() == 0
    assert state("F1") == "closed" and state("T1") == "open"
    assert power("DP002") == {"on"}
    assert ScadaEvent.objects.filter(processing_status="unmatched").count() == 3


def test_unmatched_statuses_are_replayed_once_the_registry_is_fixed(feed, token_client):
    post(feed, "scada", status("OPEN", "F1", at(0), kind="fuse"))
    post(feed, "scada", status("TRIP", "REC-1", at(seconds=1), kind=None))
    operator = token_client("read", "operate")
    listed = operator.get("/api/unmatched/", {"provider": "scada"}).json()["results"]
    assert {row["identifiers"]["deviceId"] for row in listed} == {"F1", "REC-1"}

    # The steward marks F1 telemetered and gives R1 the code SCADA uses.
    Device.objects.filter(code="F1").update(telemetered=True)
    Device.objects.filter(code="R1").update(code="REC-1")
    report = operator.post("/api/unmatched/replay/", {"provider": "scada"}, format="json").json()

    assert (report["replayed"], report["processed"], report["unmatched"]) == (2, 2, 0)
    assert state("F1") == "open" and state("REC-1") == "open"
    assert power("DP001") == power("DP002") == {"off"}
    assert set(SwitchingOperation.objects.values_list("device_code", "source")) == {
        ("F1", "scada"),
        ("REC-1", "scada"),
    }


def test_loss_of_voltage_at_a_device_leaves_its_state(feed):
    answer = post(
        feed,
        "scada",
        status("MV_AlarmLossOfVoltage", "R1", at(0), alarmType="De-energized"),
    ).json()

    assert (answer["status"], answer["meters"]["off"]) == ("processed", 40)
    assert state("R1") == "closed"
    outage = Outage.objects.get(event_id=answer["outage_event_id"])
    assert outage.scope == "recloser" and "recloser R1" in outage.root_cause
    assert SwitchingOperation.objects.count() == 0


def test_the_seed_door_stores_a_status_for_the_ingest_door_to_apply(feed):
    from ingest import sqlfuncs as ingest_sql

    stored = ingest_sql.insert_scada_event_with_meter_check(status("TRIP", "R1", at(0)))
    assert stored["status"] == "unmatched" and state("R1") == "closed"

    report = feed.post("/api/unmatched/replay/", {}, format="json")
    assert report.status_code == 403  # replay is an operator's
    from ingest.actions import replay_unmatched

    assert replay_unmatched("scada")["processed"] == 1
    assert state("R1") == "open" and power("DP001") == {"off"}


def test_a_batch_trip_and_reclose(feed):
    response = post(
        feed,
        "scada",
        {"events": [status("TRIP", "R1", at(0)), status("RECLOSE", "R1", at(seconds=4))]},
        batch=True,
    )

    assert response.status_code == 200
    assert (response.json()["accepted"], response.json()["rejected"]) == (2, [])
    assert response.json()["statuses"]["processed"] == 2
    (outage,) = Outage.objects.all()
    assert (outage.status, outage.event_type) == ("restored", "momentary")
    assert state("R1") == "closed"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deviceType": "breaker"}, "deviceType"),
        ({"deviceType": 3}, "deviceType"),
        ({"deviceId": ""}, "deviceId"),
        ({"deviceId": "   "}, "deviceId"),
        ({"deviceId": None}, "deviceId"),
        ({"deviceId": "R" * 101}, "deviceId"),
        ({"deviceId": ["R1"]}, "deviceId"),
    ],
)
def test_bad_device_fields_are_refused_naming_the_field(feed, change, field):
    before = row_counts()
    response = post(feed, "scada", {**status("TRIP", "R1", at(0)), **change})

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert row_counts() == before and state("R1") == "closed"


def test_device_type_without_device_id_is_refused(feed):
    response = post(feed, "scada", status("TRIP", None, at(0)))
    assert response.status_code == 400
    assert "deviceId" in response.json()["errors"]


def test_the_status_vocabulary_is_data_stewards_edit(feed):
    VocabularyTerm.objects.create(
        provider="scada", field="eventType", code="RCL_OPEN", evidence="open"
    )
    assert post(feed, "scada", status("rcl_open", "R1", at(0))).json()["status"] == "processed"
    assert state("R1") == "open"
    assert VocabularyTerm.objects.filter(evidence__in=["open", "closed"], code="TRIP").count() == 2


def test_a_code_several_kinds_share_needs_device_type(feed):
    Device.objects.filter(code="T1").update(code="FD003")  # a switch coded like a feeder
    shared = post(feed, "scada", status("OPEN", "FD003", at(0), kind=None)).json()

    assert shared["status"] == "unmatched"
    assert shared["note"] == "deviceId FD003 names devices of several kinds: send deviceType."
    named = post(feed, "scada", status("OPEN", "FD003", at(1), kind="feeder")).json()
    assert named["status"] == "processed" and power("DP005") == {"off"}


def test_a_stale_status_changes_nothing(feed):
    # The frontier moves two days on (a loss of voltage elsewhere); a status dated T0 is stale.
    post(
        feed,
        "scada",
        {**status("MV_AlarmLossOfVoltage", None, at(minutes=2880), kind=None), "feederId": "FD002"},
    )
    stale = post(feed, "scada", status("TRIP", "R1", at(0))).json()

    assert stale["status"] == "stale"
    assert state("R1") == "closed" and SwitchingOperation.objects.count() == 0


class HeldDevice:
    """Another connection holding recloser R1's row (an operation on it mid-way)."""

    def __init__(self):
        self.taken, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        try:
            with transaction.atomic():
                Device.objects.select_for_update().get(code="R1")
                self.taken.set()
                self.release.wait(30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join()


@pytest.mark.django_db(transaction=True)
def test_a_status_of_a_busy_device_is_503_and_stored_only_when_sent_again(
    reference_data, tmp_path, token_client
):
    import_grid(devices_grid_dir(tmp_path))
    Meter.objects.update(power_status="on")
    feed = token_client("ingest:scada")
    before = row_counts()
    with HeldDevice():
        busy = post(feed, "scada", status("TRIP", "R1", at(0)))
        batch = post(feed, "scada", {"events": [status("TRIP", "R1", at(0))]}, batch=True)

    assert (busy.status_code, busy.json()["code"], busy["Retry-After"]) == (503, "device_busy", "5")
    assert batch.status_code == 503
    assert row_counts() == before and state("R1") == "closed"
    again = post(feed, "scada", status("TRIP", "R1", at(0)))
    assert again.status_code == 201 and state("R1") == "open"


def test_a_reclosing_sequence_to_lockout_is_one_sustained_outage_from_the_first_trip(feed):
    # IEEE 1366: the reclosing operations before a lockout are one sustained interruption.
    shots = [("TRIP", 0), ("RECLOSE", 2), ("TRIP", 5), ("RECLOSE", 8), ("TRIP", 12)]
    shots += [("LOCKOUT", 12.5)]
    answers = [post(feed, "scada", status(code, "R1", at(seconds))) for code, seconds in shots]
    assert {answer.status_code for answer in answers} == {201}

    (outage,) = Outage.objects.exclude(status="merged")
    assert outage.status in ACTIVE_STATUSES and outage.event_type == "outage"
    assert outage.first_detected_at == at(0) and outage.affected_meters_count == 40
    # The momentaries of the first two shots were absorbed into it, the first through the second.
    merged = dict(Outage.objects.filter(status="merged").values_list("pk", "merged_into"))
    assert len(merged) == 2 and set(merged.values()) <= {outage.pk, *merged}
    assert set(Outage.objects.filter(pk__in=merged).values_list("event_type", flat=True)) == {
        "momentary"
    }
    assert answers[-2].json()["outage_event_id"] == outage.event_id
    assert state("R1") == "open" and power("DP001") == {"off"}
    assert SwitchingOperation.objects.filter(source="scada").count() == 5


def test_reclosing_shots_that_hold_are_one_momentary_event(feed):
    # IEEE 1366: a recloser that operates twice and then holds is one momentary event.
    for code, seconds in [("TRIP", 0), ("RECLOSE", 2), ("TRIP", 5), ("RECLOSE", 8)]:
        assert post(feed, "scada", status(code, "R1", at(seconds))).status_code == 201

    (outage,) = Outage.objects.exclude(status="merged")
    assert (outage.status, outage.event_type) == ("restored", "momentary")
    assert outage.first_detected_at == at(0) and outage.actual_restoration_time == at(seconds=8)
    assert power("DP001") == {"on"}


def test_a_batch_applies_statuses_in_the_order_of_their_times(feed):
    # A SCADA master's Kafka partitions interleave: the reclose is listed before its trip.
    batch = [status("RECLOSE", "R1", at(seconds=3)), status("TRIP", "R1", at(0))]
    response = post(feed, "scada", {"events": [*batch, {"eventType": "TRIP"}]}, batch=True)

    assert response.json()["accepted"] == 2
    assert [item["index"] for item in response.json()["rejected"]] == [2]
    (outage,) = Outage.objects.all()
    assert (outage.status, outage.event_type) == ("restored", "momentary")
    assert state("R1") == "closed"


def test_an_enveloped_status_and_one_with_a_field_named_event(feed):
    envelope = {"source": "SCADA-Simulator", "event": status("TRIP", "R1", at(0))}
    assert post(feed, "scada", envelope).json()["status"] == "processed"
    odd = {**status("RECLOSE", "R1", at(2)), "event": "shot 1"}  # not an envelope: a field
    assert post(feed, "scada", odd).json()["status"] == "processed"
    assert state("R1") == "closed"


@pytest.mark.django_db(transaction=True)
def test_a_status_reads_the_devices_state_under_its_lock(reference_data, tmp_path, token_client):
    # While an operation holds R1, even a status equal to its state waits for it (503): read
    # before that operation commits, "already closed" could hide the opening it is making.
    import_grid(devices_grid_dir(tmp_path))
    feed = token_client("ingest:scada")
    with HeldDevice():
        resent = post(feed, "scada", status("CLOSED", "R1", at(0)))
    assert resent.status_code == 503
    assert post(feed, "scada", status("CLOSED", "R1", at(0))).status_code == 201


def network_lock_held() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND classid = 7400"
            " AND pid = pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_batch_with_a_status_takes_the_network_lock_before_any_feeder_lock(db):
    from ingest.scada_status import take_network_first

    loss = status("MV_AlarmLossOfVoltage", None, at(0), kind=None, feederId="FD002")
    with transaction.atomic():
        take_network_first([loss, {"event": status("whatever", "R1", at(0))}])
        assert network_lock_held() == []
    with transaction.atomic():
        take_network_first([loss, {"event": {**status("x", "R1", at(0)), "alarmType": "tripped"}}])
        assert network_lock_held() == ["ExclusiveLock"]
