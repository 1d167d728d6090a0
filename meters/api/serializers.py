"""Meters as the API shows them: topology codes, customer, power and communication status."""

from django.utils import timezone
from rest_framework import serializers

from meters.models import Customer, Meter, MeterStatusEvent


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["customer_id", "name", "phone", "address", "status"]


class MeterSerializer(serializers.ModelSerializer):
    """Needs `select_related("customer", "dp", "feeder", "substation")` (see `meters_for_api`)."""

    substation = serializers.CharField(
        source="substation.substation_id", read_only=True, default=None
    )
    feeder = serializers.CharField(source="feeder.feeder_id", read_only=True, default=None)
    dp = serializers.CharField(source="dp.dp_id", read_only=True, default=None)
    customer = CustomerSerializer(read_only=True)
    location_lat = serializers.FloatField(read_only=True)
    location_lng = serializers.FloatField(read_only=True)

    class Meta:
        model = Meter
        fields = [
            "meter_number",
            "meter_type",
            "status",
            "power_status",
            "communication_status",
            "last_communication",
            "last_power_change",
            "substation",
            "feeder",
            "dp",
            "customer",
            "location_lat",
            "location_lng",
            "building_id",
            "asset_mrid",
            "usage_point_mrid",
            "onu_id",
            "onu_serial_no",
        ]
        read_only_fields = fields

    def to_representation(self, meter):
        """The declared fields' output, built directly: DRF's field-by-field walk was most of a
        page's time (tests/meters/test_serializers.py holds the two equal)."""
        zone = timezone.get_current_timezone()

        def when(value):  # DRF's DateTimeField: ISO 8601 in the current zone, UTC as Z
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        customer = meter.customer
        lat, lng = meter.location_lat, meter.location_lng
        return {
            "meter_number": meter.meter_number,
            "meter_type": meter.meter_type,
            "status": meter.status,
            "power_status": meter.power_status,
            "communication_status": meter.communication_status,
            "last_communication": when(meter.last_communication)
            if meter.last_communication is not None
            else None,
            "last_power_change": when(meter.last_power_change)
            if meter.last_power_change is not None
            else None,
            "substation": meter.substation.substation_id if meter.substation_id else None,
            "feeder": meter.feeder.feeder_id if meter.feeder_id else None,
            "dp": meter.dp.dp_id if meter.dp_id else None,
            "customer": {
                "customer_id": customer.customer_id,
                "name": customer.name,
                "phone": customer.phone,
                "address": customer.address,
                "status": customer.status,
            }
            if customer is not None
            else None,
            "location_lat": float(lat) if lat is not None else None,
            "location_lng": float(lng) if lng is not None else None,
            "building_id": meter.building_id,
            "asset_mrid": meter.asset_mrid,
            "usage_point_mrid": meter.usage_point_mrid,
            "onu_id": meter.onu_id,
            "onu_serial_no": meter.onu_serial_no,
        }


class MeterStatusEventSerializer(serializers.ModelSerializer):
    confidence_score = serializers.FloatField(read_only=True)

    class Meta:
        model = MeterStatusEvent
        fields = [
            "id",
            "event_type",
            "previous_status",
            "new_status",
            "applied",
            "source_type",
            "source_event_id",
            "event_timestamp",
            "confidence_score",
            "metadata",
            "created_at",
        ]
        read_only_fields = fields


# Only the columns MeterSerializer reads: a page's rows with every column of the meter, its
# customer, DP, feeder and substation cost more to build in Python than the query itself.
METER_FIELDS = [
    *(name for name in MeterSerializer.Meta.fields
      if name not in ("substation", "feeder", "dp", "customer")),
    "substation__substation_id", "feeder__feeder_id", "dp__dp_id",
    *(f"customer__{name}" for name in CustomerSerializer.Meta.fields),
]  # fmt: skip


def meters_for_api(queryset=None):
    """Meters with everything `MeterSerializer` reads joined in (one query a page)."""
    queryset = Meter.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("customer", "dp", "feeder", "substation")
        .only(*METER_FIELDS)
        .order_by("meter_number")
    )
