"""Fixtures of the live-operations tests: outages the engine made from ingested feeds."""

from __future__ import annotations

import asyncio

import pytest

from tests.live.demo_process import demo_data_dir  # noqa: F401 (a fixture)
from tests.live.helpers import ingest, kaifa, onu, scada

DP005_KAIFA = ["M40000081", "M40000084", "M40000087", "M40000090", "M40000093", "M40000096",
               "M40000099"]  # fmt: skip
DP005_ONUS = {4200082: "M40000082", 4200085: "M40000085", 4200088: "M40000088"}


@pytest.fixture
def outages(grid):
    """Four outages the engine made from feeds posted to the ingest endpoints, by event id:
    `feeder` FD002 detected (a SCADA trip at T0, then an ONU last gasp of one of its meters;
    40 meters, 39 customers: CUST_00000041 has two); `dp` DP005 confirmed by an operator (last
    gasps of its 7 KAIFA meters and 3 ONUs at T0+10: half its 20 smart meters); `meter`
    M40000003 restored (a KAIFA last gasp at T0+20, power back at T0+50); `cleared` FD001
    (tripped at T0+60, closed at T0+90, cleared by an operator)."""
    from outages import actions
    from outages.models import Outage

    made = {"feeder": ingest("scada", scada("FD002", "SS001"))["outage_event_id"]}
    ingest("onu", onu(4200043, ["M40000043"], minutes=0.1))
    for meter in DP005_KAIFA:
        ingest("kaifa", kaifa(meter, minutes=10))
    for onu_id, meter in DP005_ONUS.items():
        ingest("onu", onu(onu_id, [meter], minutes=10))
    for meter in ["M40000003"]:
        ingest("kaifa", kaifa(meter, minutes=20))
        ingest("kaifa", kaifa(meter, restored=True, minutes=50))
    made["cleared"] = ingest("scada", scada("FD001", "SS001", minutes=60))["outage_event_id"]
    ingest("scada", scada("FD001", "SS001", energized=True, minutes=90))
    made["dp"] = Outage.objects.get(scope="dp").event_id
    made["meter"] = Outage.objects.get(meter__meter_number="M40000003").event_id
    actions.transition_outage(event_id=made["dp"], status="confirmed", actor="operator")
    actions.transition_outage(event_id=made["cleared"], status="cleared", actor="operator")
    return made


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import User

    return User.objects.create_user("operator", password="wall-screen-1", is_staff=True)


@pytest.fixture
async def relay():
    """This process's relay on the test database, a 20 ms window, no election (in-memory)."""
    from outages.relay import STREAM, OutageRelay

    STREAM.seq = None
    instance = OutageRelay(window=0.02, heartbeat=30, elect=False)
    task = asyncio.create_task(instance.run())
    await asyncio.wait_for(instance.leading.wait(), 10)
    yield instance
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
