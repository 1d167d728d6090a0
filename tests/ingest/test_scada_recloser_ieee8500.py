"""A telemetered recloser's SCADA sequence on IEEE 8500 (issue 11: "a SCADA trip, lockout or loss
of voltage at a device is a fact for that device"; "reclosers, with momentary operations before
lockout"). The feeder imported as the README says (import_feeder with the recloser siting and
the fuses): its substation relay `subbreaker` is a telemetered recloser right below the feeder's
head breaker, feeding every meter of the feeder. Its trip and reclose, with the meters' last
gasps and power-ups, are one momentary at the recloser that explains those blips; a trip,
reclose, trip … lockout is one sustained outage at the recloser from the first trip, holding all
its customers; its close restores it. Nothing stands at the feeder above it: the feeder's own
telemetry shows it closed, and the recloser's explains the evidence. All through the ingest
endpoints, in the order a real feed delivers them (SCADA in seconds, AMI after it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from meters.models import Meter
from outages.models import Outage
from tests.conftest import missing
from tests.ingest.conftest import post
from tests.outages.prediction_helpers import at, customers_of, gasps, meters_of

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
FEEDERS = Path(os.environ.get("OMS_FEEDER_FIXTURES", REPO.parent / "shared/fixtures/feeders"))
RECLOSER = "subbreaker"
SECOND = 1 / 60  # at() takes minutes


@pytest.fixture
def ieee8500(db):
    if not FEEDERS.is_dir():
        missing(f"the feeder fixtures are not at {FEEDERS} (OMS_FEEDER_FIXTURES)")
    call_command(
        "import_feeder", "opendss", str(FEEDERS / "ieee8500/Master.dss"),
        "--redirect", str(FEEDERS / "ieee8500/Run_RecloserSiting.DSS"),
        "--redirect", str(FEEDERS / "ieee8500/Fuses.DSS"), "--origin", "31.95,35.91",
    )  # fmt: skip
    Meter.objects.update(power_status="on")
    feeder = Meter.objects.values_list("feeder__feeder_id", "feeder__substation__substation_id")
    return feeder.first()


@pytest.fixture
def feed(token_client):
    return token_client("ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center")


def status(client, place, code: str, seconds: float, kind: str = "recloser"):
    feeder, substation = place
    body = {
        "eventType": "MV_DeviceStatus",
        "alarmType": code,
        "substationId": substation,
        "feederId": feeder,
        "eventId": f"scada-{kind}-{code}-{seconds}",
        "timestamp": at(seconds * SECOND),
    }
    if kind != "feeder":  # the feeder's breaker is named by feederId alone
        body.update(deviceId=RECLOSER, deviceType=kind)
    response = post(client, "scada", body)
    assert response.status_code in (200, 201), response.content[:300]
    assert response.json()["status"] == "processed", response.json()
    return response.json()


def outages() -> list[Outage]:
    return list(Outage.objects.exclude(status="merged").order_by("id"))


def describe(rows) -> list[tuple]:
    return [(o.scope, o.event_type, o.status, o.affected_meters_count) for o in rows]


ORDERS = {
    # SCADA's statuses first, the meters' last gasps and power-ups after them.
    "scada first": ("TRIP", "RECLOSE", "gasps", "power-ups"),
    # The meters faster than SCADA: their gasps before the trip, their power-ups before the
    # reclose.
    "meters first": ("gasps", "TRIP", "power-ups", "RECLOSE"),
    "interleaved": ("TRIP", "gasps", "RECLOSE", "power-ups"),
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_a_trip_and_reclose_is_one_momentary_at_the_recloser(ieee8500, feed, order):
    meters = meters_of(device=("recloser", RECLOSER))
    assert len(meters) > 1000
    steps = {
        "TRIP": lambda: status(feed, ieee8500, "TRIP", 0),
        "RECLOSE": lambda: status(feed, ieee8500, "RECLOSE", 2),
        "gasps": lambda: gasps(feed, meters, 0.3 * SECOND, key="trip"),
        "power-ups": lambda: gasps(feed, meters, 2.4 * SECOND, restored=True, key="reclose"),
    }
    for step in ORDERS[order]:
        steps[step]()

    rows = outages()
    assert describe(rows) == [("recloser", "momentary", "restored", len(Meter.objects.all()))], (
        describe(rows)
    )
    assert rows[0].first_detected_at.isoformat().startswith(at(0)[:19])
    assert not Meter.objects.filter(power_status="off").exists()


def test_a_lockout_is_one_sustained_outage_at_the_recloser_and_its_close_restores_it(
    ieee8500, feed
):
    meters = meters_of(device=("recloser", RECLOSER))

    status(feed, ieee8500, "TRIP", 0)
    gasps(feed, meters, 0.3 * SECOND, key="trip")
    status(feed, ieee8500, "RECLOSE", 2)
    status(feed, ieee8500, "TRIP", 2.2)
    status(feed, ieee8500, "RECLOSE", 5)
    status(feed, ieee8500, "TRIP", 5.2)
    status(feed, ieee8500, "LOCKOUT", 5.21)
    # Meters that saw supply for a moment in the reclose attempts: power-ups and fresh gasps.
    gasps(feed, meters[::3], 2.1 * SECOND, restored=True, key="attempt")
    gasps(feed, meters[::3], 2.3 * SECOND, key="attempt")

    rows = outages()
    assert describe(rows) == [("recloser", "outage", "detected", len(Meter.objects.all()))], (
        describe(rows)
    )
    (outage,) = rows
    assert outage.first_detected_at.isoformat().startswith(at(0)[:19])
    assert outage.affected_customers_count == customers_of("recloser", RECLOSER)
    assert Meter.objects.filter(power_status="off").count() == Meter.objects.count()

    status(feed, ieee8500, "CLOSE", 25 * 60)
    (outage,) = rows = outages()
    assert (outage.scope, outage.event_type, outage.status) == ("recloser", "outage", "restored")
    assert not Meter.objects.filter(power_status="off").exists()


def test_a_breaker_lockout_after_the_recloser_locked_out_keeps_the_recloser_outage(ieee8500, feed):
    # Two faults: one below the relay locks it out; seconds later one between the breaker and
    # the relay locks the breaker out. Each opening is a fact at its own device.
    meters = meters_of(device=("recloser", RECLOSER))
    status(feed, ieee8500, "TRIP", 0)
    status(feed, ieee8500, "LOCKOUT", 0.5)
    gasps(feed, meters, 0.3 * SECOND, key="trip")
    for code, seconds in [("TRIP", 10), ("RECLOSE", 12), ("TRIP", 12.2), ("LOCKOUT", 12.3)]:
        status(feed, ieee8500, code, seconds, kind="feeder")

    everyone = Meter.objects.count()
    assert describe(outages()) == [
        ("recloser", "outage", "detected", everyone),
        ("feeder", "outage", "detected", 0),
    ], describe(outages())
    recloser, feeder = outages()
    assert recloser.first_detected_at.isoformat().startswith(at(0)[:19])
    assert recloser.affected_customers_count == customers_of("recloser", RECLOSER)

    # The crew closes the relay while the breaker is still out: its meters stay dark, held by
    # the breaker's outage from then on; the breaker's closing brings them back.
    status(feed, ieee8500, "CLOSE", 10 * 60)
    recloser.refresh_from_db()
    feeder.refresh_from_db()
    assert (recloser.status, recloser.event_type) == ("restored", "outage")
    assert feeder.status == "detected" and feeder.affected_meters_count == everyone
    assert Meter.objects.filter(power_status="off").count() == everyone
    status(feed, ieee8500, "CLOSE", 20 * 60, kind="feeder")
    feeder.refresh_from_db()
    assert feeder.status == "restored"
    assert not Meter.objects.filter(power_status="off").exists()
