"""MeterSerializer builds its rows directly; they equal what DRF's declared fields give, for
meters with and without customer, DP, location, times and identifiers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from rest_framework import serializers

from meters.api.serializers import MeterSerializer, meters_for_api
from meters.models import Meter


def declared(instance) -> dict:
    """The output of DRF's generic field-by-field walk over the declared fields."""
    return dict(serializers.Serializer.to_representation(MeterSerializer(), instance))


def test_rows_equal_the_declared_fields(devices_grid):
    meters = list(Meter.objects.order_by("meter_number")[:6])
    when = datetime(2026, 3, 1, 6, 15, 30, 120000, tzinfo=UTC)
    Meter.objects.filter(pk=meters[0].pk).update(
        last_communication=when, last_power_change=when + timedelta(seconds=1)
    )
    Meter.objects.filter(pk=meters[1].pk).update(customer=None, location_lat=None, asset_mrid=None)
    Meter.objects.filter(pk=meters[2].pk).update(dp=None, feeder=None, substation=None)
    Meter.objects.filter(pk=meters[3].pk).update(last_communication=when.replace(microsecond=0))
    rows = list(meters_for_api(Meter.objects.filter(pk__in=[m.pk for m in meters])))
    for zone in ("UTC", "Asia/Amman"):
        with timezone.override(zone):
            for meter in rows:
                fast = MeterSerializer(meter).data
                assert json.dumps(fast) == json.dumps(declared(meter)), meter.meter_number
    assert MeterSerializer(rows[0]).data["last_communication"] == "2026-03-01T06:15:30.120000Z"
