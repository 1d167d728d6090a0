"""Helpers of the websocket tests: connecting a client, tokens, sessions, committed changes."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests.live.conftest import make_outage

ORIGIN = (b"origin", b"http://testserver")


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


@sync_to_async
def read_token(*scopes):
    from oms.tokens import issue_token

    return issue_token(f"ws-{'-'.join(scopes) or 'none'}", list(scopes))


@sync_to_async
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


@sync_to_async
def commit_change(
    event_id: str, kind: str, *, feeder="FD002", rollback=False, status=None, extra_kinds=()
):
    """Change (or create) outage `event_id` and announce it, as the engine does, in one commit."""
    from django.db import connection, transaction

    from outages.models import Outage
    from topology.models import Feeder

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            outage = Outage.objects.filter(event_id=event_id).first() or make_outage(
                event_id, "feeder", Feeder.objects.get(feeder_id=feeder)
            )
            if status:
                Outage.objects.filter(pk=outage.pk).update(status=status)
            with connection.cursor() as cursor:
                for each in (kind, *extra_kinds):
                    payload = {"id": outage.pk, "event_id": event_id, "kind": each}
                    cursor.execute("SELECT pg_notify('oms_outages', %s)", [json.dumps(payload)])
            if rollback:
                raise Rollback
    except Rollback:
        pass
