"""Meters as the API shows them: topology codes, customer, power and communication status."""

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


def meters_for_api(queryset=None):
    """Meters with everything `MeterSerializer` reads joined in (one query a page)."""
    queryset = Meter.objects.all() if queryset is None else queryset
    return queryset.select_related("customer", "dp", "feeder", "substation").order_by(
        "meter_number"
    )
