"""Admin of the devices (states, parents, downstream counts, search, open/close actions) and of
the read-only switching log."""

from __future__ import annotations

from django.urls import reverse

from meters.models import Meter
from outages.models import ACTIVE_STATUSES, Outage
from topology.models import Device, SwitchingOperation

DEVICES = reverse("admin:topology_device_changelist")
LOG = reverse("admin:topology_switchingoperation_changelist")


def shown(response):
    assert response.status_code == 200
    return {device.code: device for device in response.context["cl"].result_list}


def test_devices_list_states_parents_and_downstream_counts(steward_client, devices_grid):
    response = steward_client.get(DEVICES)
    devices = shown(response)
    assert set(devices) == {"R1", "F1", "F2", "T1"}
    admin = response.context["cl"].model_admin
    assert (admin.meters_downstream(devices["R1"]), admin.customers_downstream(devices["R1"])) == (
        40,
        40,
    )
    assert admin.parent(devices["F1"]) == "recloser R1"
    assert admin.parent(devices["R1"]) == "feeder FD001"
    assert admin.meters_downstream(devices["T1"]) == 0
    page = response.content.decode()
    assert "recloser R1" in page and "open" in page
    assert set(shown(steward_client.get(DEVICES, {"q": "f1"}))) == {"F1"}
    assert set(shown(steward_client.get(DEVICES, {"state__exact": "open"}))) == {"T1"}


def test_the_open_action_operates_through_the_engine(steward_client, devices_grid):
    Meter.objects.update(power_status="on")
    r1 = Device.objects.get(code="R1")
    response = steward_client.post(
        DEVICES, {"action": "open_devices", "_selected_action": [r1.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Device.objects.get(code="R1").state == "open"
    assert set(Meter.objects.filter(dp__dp_id="DP001").values_list("power_status", flat=True)) == {
        "off"
    }
    outage = Outage.objects.get(status__in=ACTIVE_STATUSES)
    assert (outage.scope, outage.event_type) == ("recloser", "planned_outage")
    (entry,) = SwitchingOperation.objects.all()
    assert (entry.operator, entry.user.username, entry.note) == ("steward", "steward", "admin")

    # Opening it again is refused with the reason, and changes nothing.
    response = steward_client.post(
        DEVICES, {"action": "open_devices", "_selected_action": [r1.pk]}, follow=True
    )
    assert "already open" in response.content.decode()
    assert SwitchingOperation.objects.count() == 1

    log = steward_client.get(LOG)
    assert [row.device_code for row in log.context["cl"].result_list] == ["R1"]
    assert steward_client.get(reverse("admin:topology_switchingoperation_add")).status_code == 403
