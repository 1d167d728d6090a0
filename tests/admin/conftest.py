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
    with its sources, timeline and meter links; plus a group, a token and two rule-set
    switches. Returns the outage."""
    from django.contrib.auth.models import Group

    from outages.models import Outage

    _one_raw_event_of_each_feed()
    _a_spare_fuse_closed_on_fd003()
    Group.objects.create(name="stewards")
    issue_token("admin-test", ["read"])
    _sign_in_logs()
    a_storm_and_back()
    return Outage.objects.get(scope="feeder", feeder__feeder_id="FD001")


def a_storm_and_back():
    """Two entries of the rule-set switch log, by an operator through the API: normal → storm
    → normal (the engine is on `normal` again after)."""
    from rest_framework.test import APIClient

    operator = APIClient()
    operator.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('admin-rules-op', ['operate'])}")
    for name, note in (("storm", "storm front"), ("normal", "all clear")):
        switched = operator.post(f"/api/rule-sets/{name}/activate/", {"note": note}, format="json")
        assert switched.status_code == 200, switched.content


def open_a_fuse_on_fd003():
    """A fuse F9 above DP006, opened by an operator through the API: a device and a switching
    log entry (and the planned outage it makes)."""
    from rest_framework.test import APIClient

    from topology.models import Device, DistributionPoint, Feeder, Section
    from topology.sqlfuncs import derive_feeding

    head = Feeder.objects.get(feeder_id="FD003").head_section
    below = Section.objects.create(code="fuse:F9")
    Device.objects.create(kind="fuse", code="F9", section_a=head, section_b=below)
    DistributionPoint.objects.filter(dp_id="DP006").update(section=below)
    derive_feeding(None)
    operator = APIClient()
    operator.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('admin-pages-op', ['operate'])}")
    operated = operator.post("/api/devices/fuse/F9/operate/", {"action": "open"}, format="json")
    assert operated.status_code == 200, operated.content


def _sign_in_logs():
    """django-axes' logs, through the login form: a stranger's failed attempt and failure log,
    a clerk's sign-in."""
    from django.contrib.auth.models import User
    from django.test import Client

    User.objects.create_user("clerk", password="clerk-pw-1", is_staff=True)
    client = Client()
    client.post("/admin/login/", {"username": "intruder", "password": "guess"})
    client.post("/admin/login/", {"username": "clerk", "password": "clerk-pw-1"})


def _a_spare_fuse_closed_on_fd003():
    """A spare fuse on FD003 (nothing below it, left open), closed by an operator: a device
    and a switching log entry, and no meter or outage the other records' tests count."""
    from outages.actions import operate_device
    from topology.models import Device, Feeder, Section
    from topology.sqlfuncs import derive_feeding

    head = Feeder.objects.get(feeder_id="FD003").head_section
    below = Section.objects.create(code="fuse:F8")
    Device.objects.create(kind="fuse", code="F8", name="Jubaiha lateral", section_a=head,
                          section_b=below, state="open")  # fmt: skip
    derive_feeding(None)
    operate_device(kind="fuse", code="F8", action="close", note="maintenance done")


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
