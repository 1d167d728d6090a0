"""Devices as the API shows them: codes, names, location and the meters they feed, by status."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from topology.models import DistributionPoint, Feeder, Substation


class DeviceMeterCountsSerializer(serializers.Serializer):
    """The active meters a device feeds, by power status (for the schema)."""

    total = serializers.IntegerField()
    on = serializers.IntegerField()
    off = serializers.IntegerField()
    unknown = serializers.IntegerField()


@extend_schema_field(DeviceMeterCountsSerializer)
class MeterCountsField(serializers.Field):
    """`{"total", "on", "off", "unknown"}` from the annotations of `with_meter_counts()`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, device):
        return {
            "total": device.meters_total,
            "on": device.meters_on,
            "off": device.meters_off,
            "unknown": device.meters_unknown,
        }


class DeviceSerializer(serializers.ModelSerializer):
    location_lat = serializers.FloatField(read_only=True)
    location_lng = serializers.FloatField(read_only=True)
    meters = MeterCountsField()


class SubstationSerializer(DeviceSerializer):
    code = serializers.CharField(source="substation_id", read_only=True)

    class Meta:
        model = Substation
        fields = [
            "code",
            "name",
            "status",
            "region_code",
            "voltage_level",
            "location_lat",
            "location_lng",
            "meters",
        ]


class FeederSerializer(DeviceSerializer):
    code = serializers.CharField(source="feeder_id", read_only=True)
    substation = serializers.CharField(source="substation.substation_id", read_only=True)

    class Meta:
        model = Feeder
        fields = [
            "code",
            "name",
            "status",
            "substation",
            "capacity_kva",
            "location_lat",
            "location_lng",
            "meters",
        ]


class ParentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()


class DistributionPointSerializer(DeviceSerializer):
    code = serializers.CharField(source="dp_id", read_only=True)
    feeder = serializers.CharField(source="feeder.feeder_id", read_only=True)
    substation = serializers.CharField(source="feeder.substation.substation_id", read_only=True)
    # Its section's feeding now (derived): the map colours the DP and what lies below a device.
    energized = serializers.BooleanField(source="section.energized", default=None, read_only=True)
    parent = serializers.SerializerMethodField()

    @extend_schema_field(ParentSerializer(allow_null=True))
    def get_parent(self, dp) -> dict | None:
        device = dp.section.fed_through if dp.section_id else None
        if device is not None:
            return {"kind": device.kind, "code": device.code}
        return {"kind": "feeder", "code": dp.feeder.feeder_id}

    class Meta:
        model = DistributionPoint
        fields = [
            "code",
            "name",
            "status",
            "feeder",
            "substation",
            "building_id",
            "location_lat",
            "location_lng",
            "energized",
            "parent",
            "meters",
        ]
