"""topology_device_id and topology_device_code read one statement of where each scope's code
lives (the view topology_codes): for every scope, code → key and key → code agree with the
registry's tables, a code is found only at its own scope, and what is unknown is NULL."""

from __future__ import annotations

import pytest
from django.db import connection

from meters.models import Meter
from topology.models import Device, DistributionPoint, Feeder, Substation

CASES = [
    ("substation", Substation.objects.filter(substation_id="SS002")),
    ("feeder", Feeder.objects.filter(feeder_id="FD003")),
    ("dp", DistributionPoint.objects.filter(dp_id="DP005")),
    ("meter", Meter.objects.filter(meter_number="M40000077")),
    ("recloser", Device.objects.filter(kind="recloser", code="R1")),
    ("fuse", Device.objects.filter(kind="fuse", code="F2")),
    ("switch", Device.objects.filter(kind="switch", code="T1")),
]


def lookups(scope: str, code: str, key: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topology_device_id(%s, %s), topology_device_code(%s, %s)",
            [scope, code, scope, key],
        )
        return cursor.fetchone()


@pytest.mark.parametrize("scope, rows", CASES, ids=[scope for scope, _ in CASES])
def test_a_code_and_its_key_are_each_others_at_every_scope(devices_grid, scope, rows):
    row = rows.get()
    code = {
        "substation": "substation_id",
        "feeder": "feeder_id",
        "dp": "dp_id",
        "meter": "meter_number",
    }.get(scope, "code")
    assert lookups(scope, getattr(row, code), row.pk) == (row.pk, getattr(row, code))
    assert lookups(scope, "NOT-KNOWN", -1) == (None, None)


def test_a_code_is_found_only_at_its_own_scope(devices_grid):
    recloser = Device.objects.get(kind="recloser", code="R1")
    feeder = Feeder.objects.get(feeder_id="FD001")
    assert lookups("fuse", "R1", recloser.pk) == (None, None)
    assert lookups("substation", "FD001", feeder.pk)[0] is None
    assert lookups("feeder", "FD001", feeder.pk) == (feeder.pk, "FD001")
