"""Admin fixtures: a logged-in superuser and one row of every log on top of the fixture grid."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from oms.tokens import issue_token

PROVIDERS = Path(__file__).resolve().parent.parent / "fixtures" / "providers"


@pytest.fixture
def steward(db, django_user_model):
    return django_user_model.objects.create_superuser("steward", "steward@example.com", "pw")


@pytest.fixture
def steward_client(client, steward):
    client.force_login(steward)
    return client


@pytest.fixture
def records(grid):
    """An outage on FD001 with a source, a timeline entry and a meter link, and one status
    event for M40000001: written through the ORM so the admin has a row of every log."""
    from django.contrib.auth.models import Group

    from meters.models import Meter, MeterStatusEvent
    from outages.models import Outage, OutageMeter, OutageSource, TimelineEntry
    from topology.models import Feeder

    feeder = Feeder.objects.select_related("substation").get(feeder_id="FD001")
    meter = Meter.objects.get(meter_number="M40000001")
    at = timezone.now() - timedelta(minutes=10)
    outage = Outage.objects.create(
        event_id="OMS-TEST-0001",
        scope="feeder",
        device_id=feeder.pk,
        substation=feeder.substation,
        feeder=feeder,
        severity="high",
        confidence_score="1.000",
        affected_meters_count=40,
        affected_customers_count=40,
        first_detected_at=at,
        root_cause="SCADA Event: SS001 / FD001",
    )
    OutageSource.objects.create(
        outage=outage, source_type="scada", source_event_id="SCADA-1", weight=1, event_timestamp=at
    )
    TimelineEntry.objects.create(
        outage=outage, event_type="detected", status="detected", event_timestamp=at
    )
    OutageMeter.objects.create(outage=outage, meter=meter, off_at=at)
    MeterStatusEvent.objects.create(
        meter=meter,
        event_type="MV_AlarmLossOfVoltage",
        previous_status="unknown",
        new_status="off",
        source_type="scada",
        source_event_id="SCADA-1",
        event_timestamp=at,
    )
    Group.objects.create(name="stewards")
    _one_raw_event_of_each_feed()
    issue_token("admin-test", ["read"])
    return outage


def _one_raw_event_of_each_feed():
    """The providers' fixture payloads through the real ingest path: a raw row per feed."""
    from ingest import actions
    from ingest.parsers import loads, parse_call_center, parse_kaifa_json, parse_onu

    def payload(name):
        return loads((PROVIDERS / name).read_bytes())

    actions.ingest_events("onu", [parse_onu(payload("onu_last_gasp.json"))])
    actions.ingest_events("kaifa", parse_kaifa_json(payload("kaifa_power_outage.json")))
    actions.ingest_events("call_center", [parse_call_center(payload("callcenter_ticket.json"))])
    actions.ingest_scada_events([payload("scada_loss_of_voltage.json")])
