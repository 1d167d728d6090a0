"""A rule-set switch reaches the dashboards live, after commit, in the relay's numbered stream:
`rules.switched` with the log entry, and the active set in every summary (issue 11 item 2)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.live.helpers import connect, read_token

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def activate(name: str, note: str = ""):
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token('shift-lead', ['operate'])}")
    return client.post(f"/api/rule-sets/{name}/activate/", {"note": note}, format="json")


async def test_a_switch_is_pushed_once_after_commit(reference_data, relay):
    key = await read_token("read")
    communicator = await connect(f"/ws/outages/?token={key}")
    snapshot = await communicator.receive_json_from(timeout=5)
    assert snapshot["summary"]["rule_set"] == "normal"

    response = await activate("storm", "storm front")
    assert response.status_code == 200, response.content
    message = await communicator.receive_json_from(timeout=10)
    assert (message["type"], message["seq"]) == ("rules.switched", snapshot["seq"] + 1)
    switch = message["rules"]
    assert (switch["from_set"], switch["to_set"], switch["operator"], switch["note"]) == (
        "normal",
        "storm",
        "shift-lead",
        "storm front",
    )
    assert switch["id"] == response.json()["switch"]["id"]
    assert message["summary"]["rule_set"] == "storm"

    # Refused (already active) or unknown: nothing is pushed.
    assert (await activate("storm")).status_code == 409
    assert (await activate("hurricane")).status_code == 404
    assert await communicator.receive_nothing(timeout=0.5)

    # A screen that connects now sees the storm set in its snapshot.
    late = await connect(f"/ws/outages/?token={key}")
    assert (await late.receive_json_from(timeout=5))["summary"]["rule_set"] == "storm"
    await late.disconnect()
    await communicator.disconnect()
