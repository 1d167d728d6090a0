"""Helpers of the websocket tests: connecting a client, tokens, sessions, committed changes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.conftest import load_fixture

ORIGIN = (b"origin", b"http://testserver")
T0 = datetime(2025, 10, 1, 6, 15, 30, tzinfo=UTC)


def application():
    from oms.asgi import application

    return application


async def connect(path="/ws/outages/", headers=None):
    communicator = WebsocketCommunicator(application(), path, headers=headers or [])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def expect_closed_4401(communicator):
    message = await communicator.receive_output(timeout=5)
    assert message == {"type": "websocket.close", "code": 4401}


@database_sync_to_async
def read_token(*scopes):
    from oms.tokens import issue_token

    return issue_token(f"ws-{'-'.join(scopes) or 'none'}", list(scopes))


@database_sync_to_async
def session_cookie(is_active=True):
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_user("wall", password="screen", is_active=is_active)
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


INGEST_SCOPES = ["ingest:scada", "ingest:onu", "ingest:kaifa", "ingest:call_center"]


def ingest(provider: str, event: dict) -> dict:
    """One event through the real ingest endpoint, as the feed posts it; the engine's answer."""
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('live-feeds', INGEST_SCOPES)}")
    response = client.post(f"/api/ingest/{provider}/", event, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def at(minutes: float = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def scada(feeder: str, substation: str, *, energized: bool = False, minutes: float = 0) -> dict:
    kind = (
        ("MV_AlarmRestoration", "Energized")
        if energized
        else ("MV_AlarmLossOfVoltage", "De-energized")
    )
    return {
        "eventType": kind[0],
        "alarmType": kind[1],
        "substationId": substation,
        "feederId": feeder,
        "timestamp": at(minutes),
    }


def onu(onu_id: int, meters: list[str], *, restored: bool = False, minutes: float = 0) -> dict:
    kind = "ONU_PowerRestored" if restored else "ONU_LastGaspAlert"
    return {
        "eventId": f"onu-{onu_id}-{kind}-{minutes}",
        "type": kind,
        "onuId": onu_id,
        "timestamp": at(minutes),
        "associatedMeters": meters,
    }


def kaifa(meter: str, *, restored: bool = False, minutes: float = 0) -> dict:
    """The fixture KAIFA message, for `meter` (its asset mRID may be the meter number)."""
    event = copy.deepcopy(load_fixture("providers/kaifa_power_outage.json"))
    ref = "PowerRestored" if restored else "PowerOutage"
    event["header"]["message_id"] = f"msg-{meter}-{ref}-{minutes}"
    event["payload"]["event_id"] = f"evt-{meter}-{ref}-{minutes}"
    event["payload"]["assets"]["ns2:mRID"] = meter
    event["payload"]["usage_point"]["ns2:mRID"] = f"UP-{meter}"
    event["payload"]["event_type"]["@ref"] = ref
    event["payload"]["created_date_time"] = at(minutes)
    return event
