"""The ASGI layer of refuse-before-reading (oms/admission.py), through the real application:
401, 403 and 413 are answered without taking the body from the server, and a chunked body is
cut off at the limit; what passes is ingested as before."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator

from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db(transaction=True)

BODY = json.dumps(load_fixture("providers/onu_last_gasp.json")).encode()


async def post(body: bytes, *, token: str | None = None, chunked: bool = False, path=None):
    from oms.asgi import application

    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    if chunked:
        headers.append((b"transfer-encoding", b"chunked"))
    else:
        headers.append((b"content-length", str(len(body)).encode()))
    communicator = HttpCommunicator(
        application, "POST", path or "/api/ingest/onu/", body=body, headers=headers
    )
    response = await communicator.get_response(timeout=30)
    # The body message still waiting means nobody read it.
    return response["status"], json.loads(response["body"]), communicator.input_queue.qsize()


async def count_events() -> int:
    from ingest.models import OnuEvent

    return await database_sync_to_async(OnuEvent.objects.count)()


async def token(*scopes: str) -> str:
    from oms.tokens import issue_token

    return await database_sync_to_async(issue_token)("-".join(scopes), list(scopes))


async def test_without_credentials_401_and_the_body_is_never_read(grid):
    status, body, unread = await post(BODY)

    assert (status, unread) == (401, 1)
    assert body["code"] == "not_authenticated"
    status, _, unread = await post(BODY, token="not-a-key")
    assert (status, unread) == (401, 1)
    assert await count_events() == 0


async def test_without_the_scope_403_and_the_body_is_never_read(grid):
    status, body, unread = await post(BODY, token=await token("read"))

    assert (status, unread) == (403, 1)
    assert body == {
        "detail": "This credential lacks the 'ingest:onu' scope.",
        "code": "permission_denied",
    }
    assert await count_events() == 0


async def test_a_declared_length_over_the_limit_is_413_unread(grid, settings):
    settings.INGEST_MAX_BODY_BYTES = 1000
    status, body, unread = await post(b" " * 1001, token=await token("ingest:onu"))

    assert (status, unread) == (413, 1)
    assert body == {
        "detail": "Request body is larger than 1000 bytes.",
        "code": "payload_too_large",
    }


async def test_a_chunked_body_over_the_limit_is_cut_off_with_413(grid, settings):
    settings.INGEST_MAX_BODY_BYTES = 1000
    padded = BODY[:-1] + b', "padding": "' + b"x" * 2000 + b'"}'
    status, _, _ = await post(padded, token=await token("ingest:onu"), chunked=True)

    assert status == 413
    assert await count_events() == 0


async def test_what_passes_is_ingested_chunked_or_not(grid):
    key = await token("ingest:onu")
    assert (await post(BODY, token=key, chunked=True))[0] == 201
    assert (await post(BODY, token=key))[0] == 200  # the re-delivery
    assert await count_events() == 1
