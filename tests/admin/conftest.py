"""Admin fixtures: a logged-in superuser and rows of every log, made by the engine, on the grid."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    """A row for every registered admin, made by the real ingest path: the providers' fixture
    payloads (SCADA's loss of voltage on FD001, an ONU last gasp and a KAIFA outage inside it, a
    customer's call) give a raw row of each feed, status events, and the engine's FD001 outage
    with its sources, timeline and meter links; plus a group and a token. Returns the outage."""
    from django.contrib.auth.models import Group

    from outages.models import Outage

    _one_raw_event_of_each_feed()
    Group.objects.create(name="stewards")
    issue_token("admin-test", ["read"])
    return Outage.objects.get(scope="feeder", feeder__feeder_id="FD001")


def _one_raw_event_of_each_feed():
    """The providers' fixture payloads through the real ingest path: a raw row per feed."""
    from ingest import actions
    from ingest.parsers import loads, parse_call_center, parse_kaifa_json, parse_onu

    def payload(name):
        return loads((PROVIDERS / name).read_bytes())

    actions.ingest_scada_events([payload("scada_loss_of_voltage.json")])
    actions.ingest_events("onu", [parse_onu(payload("onu_last_gasp.json"))])
    actions.ingest_events("kaifa", parse_kaifa_json(payload("kaifa_power_outage.json")))
    actions.ingest_events("call_center", [parse_call_center(payload("callcenter_ticket.json"))])
