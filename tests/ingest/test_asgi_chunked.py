"""Through the ASGI application, a body sent without Content-Length (chunked, as some head-ends
send it) is read and ingested."""

from __future__ import annotations

import json

import pytest
from channels.testing import HttpCommunicator

from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db(transaction=True)


async def test_body_without_content_length_is_ingested(grid):
    from channels.db import database_sync_to_async

    from ingest.models import OnuEvent
    from oms.asgi import django_asgi_app
    from oms.tokens import issue_token

    key = await database_sync_to_async(issue_token)("chunked", ["ingest:onu"])
    body = json.dumps(load_fixture("providers/onu_last_gasp.json")).encode()
    communicator = HttpCommunicator(
        django_asgi_app,
        "POST",
        "/api/ingest/onu/",
        body=body,
        headers=[
            (b"host", b"testserver"),
            (b"authorization", f"Token {key}".encode()),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
    )

    response = await communicator.get_response(timeout=30)

    assert response["status"] == 201, response["body"][:300]
    assert await database_sync_to_async(OnuEvent.objects.count)() == 1
