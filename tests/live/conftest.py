"""Fixtures of the live-operations tests: outages made through the models (no engine needed)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2025, 10, 1, 6, 15, 30, tzinfo=UTC)


def make_outage(event_id: str, scope: str, device, *, status="detected", minutes=0, **extra):
    """An outage at `device` (a Substation, Feeder, DistributionPoint or Meter) with its parents."""
    from outages.models import Outage

    fields = {"substation": None, "feeder": None, "dp": None, "meter": None}
    if scope == "meter":
        fields.update(
            meter=device, dp=device.dp, feeder=device.feeder, substation=device.substation
        )
    elif scope == "dp":
        fields.update(dp=device, feeder=device.feeder, substation=device.feeder.substation)
    elif scope == "feeder":
        fields.update(feeder=device, substation=device.substation)
    else:
        fields.update(substation=device)
    return Outage.objects.create(
        event_id=event_id,
        scope=scope,
        device_id=device.pk,
        status=status,
        first_detected_at=T0 + timedelta(minutes=minutes),
        **fields,
        **extra,
    )


@pytest.fixture
def outages(grid):
    """OMS-1 feeder FD001 detected (scada+onu, 2 timeline rows, 3 meters); OMS-2 DP005
    confirmed (kaifa); OMS-3 meter M40000100 (DP005) restored; OMS-4 substation SS002 cleared."""
    from meters.models import Meter
    from outages.models import OutageMeter, OutageSource, TimelineEntry
    from topology.models import DistributionPoint, Feeder, Substation

    fd001 = Feeder.objects.get(feeder_id="FD001")
    first = make_outage(
        "OMS-1",
        "feeder",
        fd001,
        confidence_score="1.000",
        affected_meters_count=40,
        affected_customers_count=39,
        root_cause="SCADA Event: SS001 / FD001",
    )
    OutageSource.objects.create(
        outage=first, source_type="scada", source_event_id="S-1", weight=1, event_timestamp=T0
    )
    OutageSource.objects.create(
        outage=first, source_type="onu", source_event_id="O-1", weight="0.6", event_timestamp=T0
    )
    TimelineEntry.objects.create(outage=first, event_type="detected", event_timestamp=T0)
    TimelineEntry.objects.create(
        outage=first, event_type="source_added", event_timestamp=T0 + timedelta(seconds=5)
    )
    for number in ("M40000001", "M40000002", "M40000021"):
        OutageMeter.objects.create(
            outage=first, meter=Meter.objects.get(meter_number=number), off_at=T0
        )
    second = make_outage(
        "OMS-2",
        "dp",
        DistributionPoint.objects.get(dp_id="DP005"),
        status="confirmed",
        minutes=10,
        confidence_score="0.800",
    )
    OutageSource.objects.create(
        outage=second, source_type="kaifa", source_event_id="K-1", weight="0.8", event_timestamp=T0
    )
    make_outage(
        "OMS-3",
        "meter",
        Meter.objects.get(meter_number="M40000100"),
        status="restored",
        minutes=20,
        actual_restoration_time=T0 + timedelta(minutes=50),
    )
    make_outage(
        "OMS-4",
        "substation",
        Substation.objects.get(substation_id="SS002"),
        status="cleared",
        minutes=30,
    )
    return first, second


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


@pytest.fixture(autouse=True)
def reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("reference_data")
