"""The single-meter wait (CONTRACT §11, rule single_meter_wait_seconds): a meter's own last gasp
that nothing else explains is no reported outage until it has waited; a power-up first answers
it; evidence at the same DP meanwhile still rolls up with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from outages import sqlfuncs
from outages.models import Outage, PendingEvidence
from tests.ingest.conftest import post
from tests.outages.prediction_helpers import active, placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingest(token_client):
    return token_client("ingest:onu", "ingest:kaifa")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def onu(client, key: str, meter: str, moment: datetime, *, restored: bool = False):
    kind = "ONU_PowerRestored" if restored else "ONU_LastGaspAlert"
    body = {"eventId": key, "type": kind, "timestamp": iso(moment), "associatedMeters": [meter]}
    response = post(client, "onu", body)
    assert response.status_code == 201, response.content[:300]
    return response.json()


def test_a_spurious_last_gasp_of_a_healthy_meter_is_never_a_reported_outage(grid, ingest):
    now = datetime.now(UTC)
    onu(ingest, "spurious", "M40000001", now - timedelta(seconds=5))

    assert active() == []  # the meter's evidence is recorded, no outage is reported
    assert PendingEvidence.objects.count() == 1
    assert sqlfuncs.sweep() == 0  # not due yet

    onu(ingest, "back", "M40000001", now - timedelta(seconds=2), restored=True)

    assert PendingEvidence.objects.count() == 0
    # Even once the wait is over (a later event moves the newest event time past it).
    onu(ingest, "elsewhere", "M40000041", now + timedelta(minutes=2), restored=True)
    assert sqlfuncs.sweep() == 0
    assert Outage.objects.count() == 0


def test_a_single_meter_still_out_after_the_wait_is_an_outage(grid, ingest, capsys):
    now = datetime.now(UTC)
    onu(ingest, "real", "M40000021", now - timedelta(seconds=5))
    assert active() == []

    # The newest event time moves past the wait (an event up to the clock skew ahead).
    onu(ingest, "elsewhere", "M40000041", now + timedelta(minutes=2), restored=True)
    call_command("oms_sweep")

    assert "1 waiting evidence or contradicted outages handled" in capsys.readouterr().out
    assert placed() == {("meter", "M40000021")}
    (outage,) = active()
    assert list(outage.sources.values_list("source_event_id", flat=True)) == ["real"]
    assert PendingEvidence.objects.count() == 0


def test_waiting_gasps_roll_up_with_their_dps_next_evidence(grid, ingest):
    now = datetime.now(UTC)
    for n in range(1, 10):  # nine of DP001's twenty meters, one message each
        onu(ingest, f"g{n}", f"M4{n:07d}", now - timedelta(seconds=30 - n))
    assert active() == []

    onu(ingest, "g10", "M40000010", now - timedelta(seconds=5))

    assert placed() == {("dp", "DP001")}
    (outage,) = active()
    assert outage.sources.count() == 10
    assert outage.affected_meters_count == 20
    assert PendingEvidence.objects.count() == 0


def test_a_transformer_of_one_meter_waits_too(grid, ingest):
    from meters.models import Meter

    Meter.objects.filter(dp__dp_id="DP003").exclude(meter_number="M40000041").update(
        status="inactive"
    )
    now = datetime.now(UTC)
    onu(ingest, "lone", "M40000041", now - timedelta(seconds=5))
    assert active() == []

    onu(ingest, "elsewhere", "M40000001", now + timedelta(minutes=2), restored=True)
    sqlfuncs.sweep()

    assert placed() == {("dp", "DP003")}
