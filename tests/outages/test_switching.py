"""Switching through POST /api/devices/<kind>/<code>/operate/ (issue 10 item 3) on the CSV grid
with devices: FD001 → recloser R1 (DP001) → fuse F1 (DP002) ··· tie T1 (open) ··· FD003."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from meters.models import Meter
from outages.models import ACTIVE_STATUSES, Outage, OutageMeter
from tests.conftest import devices_grid_dir
from topology.grid import import_grid
from topology.models import Device, Section, SwitchingOperation


def operate(client, kind, code, action, note=""):
    return client.post(
        f"/api/devices/{kind}/{code}/operate/", {"action": action, "note": note}, format="json"
    )


def power(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("power_status", flat=True))


def feeders_of(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("feeder__feeder_id", flat=True))


def seed_feeder(feeder: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT meter_number FROM get_meters_by_feeder(%s)", [feeder])
        return {row[0] for row in cursor.fetchall()}


def numbers(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("meter_number", flat=True))


@pytest.fixture
def operator(devices_grid, token_client):
    client = token_client("read", "operate")
    # Every meter starts on (the import leaves them unknown).
    Meter.objects.update(power_status="on")
    return client


def test_opening_de_energizes_what_it_feeds_as_a_planned_outage(operator):
    response = operate(operator, "recloser", "R1", "open", "feeder maintenance")
    assert response.status_code == 200, response.content
    entry = response.json()["switching"]
    assert (entry["device_kind"], entry["device_code"], entry["from_state"], entry["to_state"]) == (
        "recloser",
        "R1",
        "closed",
        "open",
    )
    assert (entry["meters_de_energized"], entry["note"], entry["source"]) == (
        40,
        "feeder maintenance",
        "operator",
    )
    assert power("DP001") == power("DP002") == {"off"}
    assert power("DP003") == power("DP005") == {"on"}
    (outage,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    r1 = Device.objects.get(code="R1")
    assert (outage.scope, outage.device_id, outage.event_type) == (
        "recloser",
        r1.pk,
        "planned_outage",
    )
    assert (outage.affected_meters_count, outage.feeder.feeder_id) == (40, "FD001")
    assert "opened by" in outage.root_cause
    # De-energized, still counted under their normal feeder.
    assert numbers("DP002") <= seed_feeder("FD001")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT source_type, new_status FROM oms_meter_status_events e "
            "JOIN oms_meters m ON m.id = e.meter_id JOIN network_distribution_points d "
            "ON d.id = m.dp_id WHERE d.dp_id = 'DP002'"
        )
        assert cursor.fetchall() == [("operator", "off")]


def test_closing_a_tie_back_feeds_and_restores_those_meters_in_their_outage(operator):
    assert operate(operator, "recloser", "R1", "open").status_code == 200
    assert operate(operator, "fuse", "F1", "open").status_code == 200
    response = operate(operator, "switch", "T1", "close", "back-feed from Jubaiha")
    assert response.status_code == 200, response.content
    assert response.json()["switching"]["meters_energized"] == 20

    assert power("DP002") == {"on"} and power("DP001") == {"off"}
    assert feeders_of("DP002") == {"FD003"}
    assert numbers("DP002") <= seed_feeder("FD003")
    assert not numbers("DP002") & seed_feeder("FD001")
    # Step restoration: R1's outage keeps DP001 out and has DP002's meters back.
    outage = Outage.objects.get(scope="recloser", status__in=ACTIVE_STATUSES)
    links = OutageMeter.objects.filter(outage=outage)
    assert links.filter(restored_at__isnull=False).count() == 20
    assert set(
        links.filter(restored_at__isnull=False).values_list("meter__dp__dp_id", flat=True)
    ) == {"DP002"}
    assert (outage.affected_meters_count, outage.restored_meters_count) == (40, 20)

    api = operator.get("/api/feeders/FD003/meters/", {"page_size": 200}).json()
    assert numbers("DP002") <= {row["meter_number"] for row in api["results"]}

    log = operator.get("/api/switching/").json()
    assert [(e["device_code"], e["to_state"]) for e in log["results"]] == [
        ("T1", "closed"),
        ("F1", "open"),
        ("R1", "open"),
    ]


def test_refusals_parallel_no_change_unknown_and_no_scope(operator, token_client):
    # T1 joins FD001's energized F1 section to FD003's energized head: a parallel.
    response = operate(operator, "switch", "T1", "close")
    assert response.status_code == 409
    assert "two energized parts" in response.json()["detail"]
    assert operate(operator, "recloser", "R1", "close").status_code == 409  # already closed
    assert operate(operator, "fuse", "NOPE", "open").status_code == 404
    assert operate(operator, "breaker", "R1", "open").status_code == 404
    assert operate(operator, "recloser", "R1", "ajar").status_code == 400
    reader = token_client("read")
    assert operate(reader, "recloser", "R1", "open").status_code == 403
    assert SwitchingOperation.objects.count() == 0
    assert set(Device.objects.values_list("state", flat=True)) == {"closed", "open"}
    assert Device.objects.get(code="T1").state == "open"
    assert power("DP001") == {"on"}


def test_a_feeder_breaker_cannot_close_onto_a_back_fed_head(operator):
    assert operate(operator, "feeder", "FD003", "open").status_code == 200
    assert power("DP005") == {"off"}
    assert Outage.objects.get(status__in=ACTIVE_STATUSES).scope == "feeder"
    assert operate(operator, "recloser", "r1", "open").status_code == 200  # any case
    assert operate(operator, "switch", "T1", "close").status_code == 200
    # FD003's head is dead; T1 joins it to a dead section: nothing energized, no parallel.
    assert power("DP005") == {"off"}
    assert operate(operator, "recloser", "R1", "close").status_code == 200
    # Now FD001 feeds FD003's head through T1: closing FD003's breaker would parallel.
    assert power("DP005") == {"on"} and feeders_of("DP005") == {"FD001"}
    assert operate(operator, "feeder", "FD003", "close").status_code == 409


@pytest.mark.django_db(transaction=True)
def test_concurrent_operations_on_one_device_one_wins(reference_data, tmp_path, token_client):
    import_grid(devices_grid_dir(tmp_path))
    Meter.objects.update(power_status="on")
    start = threading.Barrier(2)
    answers: list[int] = []
    key = token_client("read", "operate")._credentials["HTTP_AUTHORIZATION"]

    def open_r1():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=key)
            start.wait()
            answers.append(operate(client, "recloser", "R1", "open").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_r1) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    assert SwitchingOperation.objects.count() == 1
    assert Outage.objects.filter(scope="recloser").count() == 1
    assert power("DP001") == {"off"}
    assert not Section.objects.get(code="recloser:R1").energized


def test_an_operation_reported_after_the_fact_keeps_its_time(operator):
    """`operated_at` (optional): the log and the meters' evidence carry the field's time; a
    time too far ahead, before 2000 or without a zone is 400 naming it, nothing written."""
    from datetime import timedelta

    from django.utils import timezone

    when = (timezone.now() - timedelta(minutes=40)).replace(microsecond=0)
    for bad in [
        (timezone.now() + timedelta(minutes=30)).isoformat(),
        "1999-12-31T23:00:00Z",
        "2026-01-01T10:00:00",
        "yesterday",
    ]:
        response = operator.post(
            "/api/devices/recloser/R1/operate/",
            {"action": "open", "operated_at": bad},
            format="json",
        )
        assert response.status_code == 400, (bad, response.content)
        assert "operated_at" in response.json(), response.json()
    assert not SwitchingOperation.objects.exists()
    response = operator.post(
        "/api/devices/recloser/R1/operate/",
        {"action": "open", "operated_at": when.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert SwitchingOperation.objects.get().operated_at == when
    off = Meter.objects.filter(dp__dp_id="DP001")
    assert {m.last_power_change for m in off} == {when}
