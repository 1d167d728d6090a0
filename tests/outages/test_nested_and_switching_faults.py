"""Nested faults and operators' switching during restoration on IEEE 8500 (issue 11, CONTRACT
§11), through the ingest and operate endpoints: what is still dark after a device closes climbs
to the device that explains it, and stays out until its own evidence says it is back; an
operator's planned outage holds what the opening cut off, never a fault that was there before,
and its closing does not end that fault. IEEE 8500 as imported by the storm benchmark: the
telemetered recloser `subbreaker` feeds every meter; fuse ln6229831-1 a lateral of 32
transformers; switch v9287_48332_sw 14."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from outages.models import ACTIVE_STATUSES, Outage
from tests.ingest.conftest import post
from tests.outages.prediction_helpers import (
    T0,
    active,
    at,
    customers_of,
    device_meter_ids,
    gasps,
    meters_of,
    off,
    placed,
)
from tests.topology.test_import_feeder import FEEDERS, import_model

pytestmark = pytest.mark.django_db

RECLOSER, FUSE, SWITCH = "subbreaker", "ln6229831-1", "v9287_48332_sw"


@pytest.fixture
def ieee8500():
    if not FEEDERS.is_dir():
        pytest.fail(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    import_model("ieee8500")


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:scada", "ingest:onu", "read", "operate")


def recloser_status(client, code: str, minutes: float):
    body = {
        "eventType": code, "deviceId": RECLOSER, "deviceType": "recloser",
        "substationId": substation(), "feederId": feeder(), "timestamp": at(minutes),
    }  # fmt: skip
    response = post(client, "scada", body)
    assert response.status_code in (200, 201), response.content[:300]


def feeder() -> str:
    return scalar(
        "SELECT f.feeder_id FROM network_feeders f JOIN network_devices v ON v.feeder_id = f.id"
        " WHERE v.code = %s",
        [RECLOSER],
    )


def substation() -> str:
    return scalar(
        "SELECT s.substation_id FROM network_substations s"
        " JOIN network_feeders f ON f.substation_id = s.id"
        " JOIN network_devices v ON v.feeder_id = f.id WHERE v.code = %s",
        [RECLOSER],
    )


def scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def operate(client, kind: str, code: str, action: str, minutes: float) -> dict:
    response = client.post(
        f"/api/devices/{kind}/{code}/operate/",
        {"action": action, "operated_at": (T0 + timedelta(minutes=minutes)).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content[:300]
    return response.json()["switching"]


def numbers_of(ids) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT meter_number FROM oms_meters WHERE id = ANY (%s)", [list(ids)])
        return {n for (n,) in cursor.fetchall()}


def test_a_lateral_still_dark_after_its_recloser_closes_is_one_fuse_outage(ieee8500, ingest):
    recloser_status(ingest, "TRIP", 0)
    assert placed() == {("recloser", RECLOSER)}

    recloser_status(ingest, "CLOSE", 10)
    assert not active() and not off()
    # Cold load pickup: the fuse blows seconds after the closing, a fresh gasp from its meters
    # (a quarter of them lost).
    lateral = meters_of(device=("fuse", FUSE))
    gasps(ingest, lateral[: len(lateral) * 3 // 4], 10.3)

    assert placed() == {("fuse", FUSE)}, "the DPs still dark climb to their fuse"
    (outage,) = active()
    assert outage.affected_customers_count == customers_of("fuse", FUSE)
    assert off() == numbers_of(device_meter_ids("fuse", FUSE))
    recloser = Outage.objects.get(scope="recloser")
    assert recloser.status == "restored"

    # They stay out until their own power-ups say they are back.
    gasps(ingest, lateral, 25, restored=True, key="back")
    assert not active() and not off()
    assert Outage.objects.get(pk=outage.pk).status == "restored"


def test_a_transformer_out_below_a_switch_operators_open_and_close_stays_out(ieee8500, ingest):
    below = device_meter_ids("switch", SWITCH)
    dp = scalar(
        "SELECT d.dp_id FROM network_distribution_points d JOIN oms_meters m ON m.dp_id = d.id"
        " WHERE m.id = ANY (%s) AND m.meter_type NOT IN ('conventional', 'prepaid')"
        " ORDER BY d.dp_id LIMIT 1",
        [below],
    )
    failed = meters_of(dps=[dp], reporting=False)
    gasps(ingest, meters_of(dps=[dp]), 0)
    assert placed() == {("dp", dp)}
    transformer = active()[0]

    # Operators open the switch (planned work) and close it again.
    opening = operate(ingest, "switch", SWITCH, "open", 5)
    assert opening["meters_de_energized"] == len(below) - len(failed)
    assert placed() == {("dp", dp), ("switch", SWITCH)}
    planned = Outage.objects.get(scope="switch")
    assert planned.event_type == "planned_outage"
    assert planned.affected_meters_count == len(below) - len(failed)
    assert Outage.objects.get(pk=transformer.pk).status in ACTIVE_STATUSES, "not merged"

    closing = operate(ingest, "switch", SWITCH, "close", 10)
    assert closing["meters_energized"] == len(below) - len(failed)
    assert Outage.objects.get(pk=planned.pk).status == "restored"
    assert placed() == {("dp", dp)}, "the transformer is still out"
    assert off() == set(failed)

    gasps(ingest, meters_of(dps=[dp]), 20, restored=True, key="back")
    assert not active() and not off()


def test_a_fuse_that_blows_on_a_back_fed_lateral_stays_out_when_operators_return_to_normal(
    ieee8500, ingest
):
    """The isolation of the storm benchmark (IEEE 8500 seed 3): the recloser locks out,
    operators open a8869_48332_sw and 2002200004641085_sw, the recloser closes and the tie
    v7995_48332_sw back-feeds what lies below the second switch from below fuse ln5562961-1;
    the fuse blows on that load. Returning to normal (the tie opened, the switch closed)
    feeds those meters around the fuse again: the fuse is still out for its own meter."""
    nested, zone, switch, tie = (
        "ln5562961-1",
        "a8869_48332_sw",
        "2002200004641085_sw",
        "v7995_48332_sw",
    )
    own = numbers_of(device_meter_ids("fuse", nested))
    recloser_status(ingest, "TRIP", 0)
    operate(ingest, "switch", zone, "open", 1)
    operate(ingest, "switch", switch, "open", 1.5)
    recloser_status(ingest, "CLOSE", 3)
    operate(ingest, "switch", tie, "close", 4)
    fed = meters_of(device=("fuse", nested))
    assert len(fed) > len(own)  # it now feeds the back-fed meters too
    # Cold load pickup: the fuse blows; the gasp of its own meter is lost.
    gasps(ingest, [n for n in fed if n not in own][: len(fed) * 3 // 4], 4.3)
    assert ("fuse", nested) in placed()
    operate(ingest, "switch", zone, "close", 6)
    assert placed() == {("fuse", nested)}

    opening = operate(ingest, "switch", tie, "open", 8)
    assert opening["meters_de_energized"] == 0  # all dark already, behind the fuse
    assert placed() == {("fuse", nested)}, "not absorbed by a planned outage at the tie"
    operate(ingest, "switch", switch, "close", 9)

    assert placed() == {("fuse", nested)}, "the fuse is still out"
    assert off() == own
