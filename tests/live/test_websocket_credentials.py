"""A socket lives no longer than what admitted it: a token rotated, deactivated or stripped of
`read`, a session logged out, a user deactivated → the consumer closes it with 4401."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from tests.live.helpers import ORIGIN, connect, expect_closed_4401, read_token, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

# A bound on the wait, not what is measured.
CLOSE_WAIT = 15


@pytest.fixture(autouse=True)
def fast_watch():
    """The watch checks every 0.2 s here (5 s by default)."""
    with override_settings(WS_CREDENTIAL_CHECK_S=0.2):
        yield


async def token_socket(name="wall"):
    from oms.tokens import issue_token

    key = await database_sync_to_async(issue_token)(name, ["read"])
    communicator = await connect(f"/ws/outages/?token={key}")
    assert (await communicator.receive_json_from(timeout=CLOSE_WAIT))["type"] == "snapshot"
    return communicator


async def expect_closed(communicator):
    """The next close, past any heartbeat or push the relay sends meanwhile."""
    while True:
        message = await communicator.receive_output(timeout=CLOSE_WAIT)
        if message["type"] == "websocket.close":
            assert message == {"type": "websocket.close", "code": 4401}
            return


async def still_open(communicator):
    await communicator.send_json_to({"type": "ping"})
    while True:
        message = await communicator.receive_output(timeout=CLOSE_WAIT)
        assert message["type"] == "websocket.send", message  # not closed
        if json.loads(message["text"])["type"] == "pong":
            return True


async def test_rotating_a_token_closes_its_sockets_and_spares_the_others(grid):
    from oms.tokens import issue_token

    rotated, other = await token_socket("wall"), await token_socket("control-room")
    await database_sync_to_async(issue_token)("wall", ["read"])

    await expect_closed(rotated)
    assert await still_open(other)
    await other.disconnect()


async def test_deactivating_a_token_closes_its_socket(grid):
    from oms.models import ApiToken

    communicator = await token_socket()
    await database_sync_to_async(ApiToken.objects.filter(name="wall").update)(is_active=False)

    await expect_closed(communicator)


async def test_taking_read_from_a_token_closes_its_socket(grid):
    from oms.models import ApiToken

    communicator = await token_socket()
    await database_sync_to_async(ApiToken.objects.filter(name="wall").update)(scopes=["operate"])

    await expect_closed(communicator)


async def test_logging_out_closes_the_browser_socket(grid):
    from django.conf import settings
    from django.test import Client

    cookie = await session_cookie()
    communicator = await connect(headers=[ORIGIN, cookie])
    assert (await communicator.receive_json_from(timeout=CLOSE_WAIT))["type"] == "snapshot"
    session_key = cookie[1].decode().split("=", 1)[1]

    @database_sync_to_async
    def log_out():
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        return client.post("/accounts/logout/").status_code

    assert await log_out() == 302
    await expect_closed(communicator)


async def test_deactivating_the_user_closes_the_browser_socket(grid):
    from django.contrib.auth.models import User

    cookie = await session_cookie()
    communicator = await connect(headers=[ORIGIN, cookie])
    assert (await communicator.receive_json_from(timeout=CLOSE_WAIT))["type"] == "snapshot"
    await database_sync_to_async(User.objects.filter(username="wall").update)(is_active=False)

    await expect_closed(communicator)


async def test_a_revoked_key_cannot_open_a_new_socket(grid):
    from oms.models import ApiToken

    key = await read_token("read")
    await database_sync_to_async(ApiToken.objects.filter(name="ws-read").update)(is_active=False)

    await expect_closed_4401(await connect(f"/ws/outages/?token={key}"))
