"""`/api/distribution-points/` shows each DP's feeding now (its section's `energized` and the
device it is fed through as `parent`), which the dashboard's map colours it by."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def dps(client) -> dict[str, dict]:
    response = client.get("/api/distribution-points/", {"page_size": 100})
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


def test_a_dp_names_the_device_it_is_fed_through_and_whether_it_is_energized(
    devices_grid, token_client
):
    rows = dps(token_client("read"))
    assert rows["DP001"]["parent"] == {"kind": "recloser", "code": "R1"}
    assert rows["DP002"]["parent"] == {"kind": "fuse", "code": "F1"}
    assert rows["DP003"]["parent"] == {"kind": "feeder", "code": "FD002"}
    assert {code: row["energized"] for code, row in rows.items()} == dict.fromkeys(rows, True)


def test_a_dp_behind_an_open_device_is_de_energized(devices_grid, token_client):
    from django.db import connection

    from topology.models import Device

    Device.objects.filter(kind="fuse", code="F1").update(state="open")
    with connection.cursor() as cursor:
        cursor.execute("SELECT topology_derive_feeding(NULL)")
    rows = dps(token_client("read"))
    assert rows["DP002"]["energized"] is False
    assert rows["DP001"]["energized"] is True
