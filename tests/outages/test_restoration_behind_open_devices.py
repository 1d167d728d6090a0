"""A device's restoration re-energizes only what it feeds now: meters behind a device that is
still open stay off, in an outage at that open device (CONTRACT §10 switching, §11 restoration
follows the tree). On the grid with devices: FD001 → recloser R1 (DP001) → fuse F1 (DP002)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from meters.models import Meter
from outages.models import ACTIVE_STATUSES, Outage, OutageMeter
from tests.outages.engine_helpers import loss_of_voltage, restoration
from topology.models import Device


def power(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("power_status", flat=True))


@pytest.fixture
def operator(devices_grid, token_client):
    Meter.objects.update(power_status="on")
    return token_client("read", "operate")


def operate(client, kind, code, action, when):
    response = client.post(
        f"/api/devices/{kind}/{code}/operate/",
        {"action": action, "operated_at": when.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["switching"]


def test_a_feeder_restored_while_a_fuse_below_it_is_open_leaves_the_fuse_out(operator):
    start = (timezone.now() - timedelta(minutes=50)).replace(microsecond=0)
    loss_of_voltage("FD001", start)
    assert power("DP001") == power("DP002") == {"off"}
    # A crew isolates the lateral while the feeder is still dark.
    operate(operator, "fuse", "F1", "open", start + timedelta(minutes=10))

    back = start + timedelta(minutes=20)
    restoration("FD001", back)

    assert power("DP001") == {"on"}
    assert power("DP002") == {"off"}
    feeder = Outage.objects.get(scope="feeder")
    assert feeder.status == "restored"
    (fuse,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert (fuse.scope, fuse.device_id) == ("fuse", Device.objects.get(code="F1").pk)
    assert fuse.affected_meters_count == Meter.objects.filter(dp__dp_id="DP002").count()
    # Each customer's interruption is counted once: the feeder's outage ends for them when the
    # feeder is back, the fuse's outage holds them from then on.
    links = OutageMeter.objects.filter(meter__dp__dp_id="DP002")
    spans = {(link.outage_id, link.off_at, link.restored_at) for link in links}
    assert {(o, end) for o, _, end in spans if o == feeder.pk} == {(feeder.pk, back)}
    assert {(start, end) for o, start, end in spans if o == fuse.pk} == {(back, None)}

    operate(operator, "fuse", "F1", "close", start + timedelta(minutes=40))
    assert power("DP002") == {"on"}
    assert not Outage.objects.filter(status__in=ACTIVE_STATUSES).exists()


def test_a_recloser_closed_while_a_fuse_below_it_is_open_re_energizes_only_its_own_dps(operator):
    start = (timezone.now() - timedelta(minutes=50)).replace(microsecond=0)
    operate(operator, "recloser", "R1", "open", start)
    operate(operator, "fuse", "F1", "open", start + timedelta(minutes=5))

    closing = operate(operator, "recloser", "R1", "close", start + timedelta(minutes=15))

    assert closing["meters_energized"] == Meter.objects.filter(dp__dp_id="DP001").count()
    assert power("DP001") == {"on"} and power("DP002") == {"off"}
    (fuse,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert fuse.scope == "fuse"
