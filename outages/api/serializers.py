"""Outages as the API and the websocket show them (CONTRACT §4 "An outage as the API shows it").

`OutageSerializer` is the one shape: REST lists, the detail view (plus sources and timeline) and
every websocket push use it, over a queryset from `outages_for_api()` so a page is one query.
"""

from django.db.models import CharField, Count, JSONField, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from rest_framework import serializers

from outages.models import (
    ACTIVE_STATUSES,
    Outage,
    OutageMeter,
    OutageSource,
    RuleSet,
    TimelineEntry,
)

# What OutageSerializer reads of the joined devices: their code and position.
_DEVICE_FIELDS = [
    f"{device}__{field}"
    for device, code in (
        ("substation", "substation_id"),
        ("feeder", "feeder_id"),
        ("dp", "dp_id"),
        ("meter", "meter_number"),
    )
    for field in (code, "location_lat", "location_lng")
]


def outages_for_api(queryset=None):
    """Outages with the code and position of their devices joined (one query, no N+1; the
    source counts are columns). Only what the serializer reads is loaded: the relay reloads
    every changed outage at each push, and a meter row alone has twenty columns."""
    queryset = Outage.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("substation", "feeder", "dp", "meter", "merged_into")
        .only(
            *(field.name for field in Outage._meta.concrete_fields),
            *_DEVICE_FIELDS,
            "merged_into__event_id",
        )
        .annotate(
            # The device at the outage's scope and what is above it now (§4, §10).
            device_code=RawSQL(
                "topology_device_code(oms_outage_events.scope, oms_outage_events.device_id)",
                [],
                output_field=CharField(),
            ),
            device_path=RawSQL(
                "topology_path_above(oms_outage_events.scope, oms_outage_events.device_id)",
                [],
                output_field=JSONField(),
            ),
        )
    )


def _code(device, field):
    return getattr(device, field) if device is not None else None


class OutageSerializer(serializers.ModelSerializer):
    """The contract's fields, plus the device's location, crew and `updated_at` for the map."""

    substation = serializers.SerializerMethodField()
    feeder = serializers.SerializerMethodField()
    dp = serializers.SerializerMethodField()
    meter = serializers.SerializerMethodField()
    confidence_score = serializers.FloatField(read_only=True)
    source_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    location_lat = serializers.SerializerMethodField()
    location_lng = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    device = serializers.CharField(source="device_code", read_only=True, allow_null=True)
    device_kind = serializers.CharField(source="scope", read_only=True)
    path = serializers.JSONField(source="device_path", read_only=True)

    class Meta:
        model = Outage
        fields = [
            "event_id",
            "event_type",
            "status",
            "scope",
            "device",
            "device_kind",
            "path",
            "substation",
            "feeder",
            "dp",
            "meter",
            "severity",
            "confidence_score",
            "affected_meters_count",
            "restored_meters_count",
            "affected_customers_count",
            "first_detected_at",
            "estimated_restoration_time",
            "actual_restoration_time",
            "root_cause",
            "description",
            "source_types",
            "source_count",
            "crew",
            "merged_into",
            "location_lat",
            "location_lng",
            "updated_at",
        ]
        read_only_fields = fields

    def get_substation(self, outage) -> str | None:
        return _code(outage.substation, "substation_id")

    def get_feeder(self, outage) -> str | None:
        return _code(outage.feeder, "feeder_id")

    def get_dp(self, outage) -> str | None:
        return _code(outage.dp, "dp_id")

    def get_meter(self, outage) -> str | None:
        return _code(outage.meter, "meter_number")

    def get_merged_into(self, outage) -> str | None:
        return _code(outage.merged_into, "event_id")

    def _device_location(self, outage):
        # The most precise device that has a position: meter, DP, feeder, then substation.
        for device in (outage.meter, outage.dp, outage.feeder, outage.substation):
            if device is not None and device.location_lat is not None:
                return device
        return None

    def get_location_lat(self, outage) -> float | None:
        device = self._device_location(outage)
        return float(device.location_lat) if device else None

    def get_location_lng(self, outage) -> float | None:
        device = self._device_location(outage)
        return float(device.location_lng) if device else None


class OutageSourceSerializer(serializers.ModelSerializer):
    weight = serializers.FloatField(read_only=True)

    class Meta:
        model = OutageSource
        fields = ["source_type", "source_event_id", "weight", "event_timestamp", "created_at"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ["event_type", "status", "description", "actor", "metadata", "event_timestamp"]
        read_only_fields = fields


class OutageDetailSerializer(OutageSerializer):
    """One outage with its evidence and timeline (prefetched by the view)."""

    sources = OutageSourceSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(many=True, read_only=True)

    class Meta(OutageSerializer.Meta):
        fields = [*OutageSerializer.Meta.fields, "sources", "timeline"]
        read_only_fields = fields


class OutageMeterSerializer(serializers.ModelSerializer):
    """A meter of an outage with its own off and restore times."""

    meter_number = serializers.CharField(source="meter.meter_number", read_only=True)
    power_status = serializers.CharField(source="meter.power_status", read_only=True)
    dp = serializers.CharField(source="meter.dp.dp_id", read_only=True, default=None)
    customer_id = serializers.CharField(
        source="meter.customer.customer_id", read_only=True, default=None
    )
    location_lat = serializers.FloatField(source="meter.location_lat", read_only=True)
    location_lng = serializers.FloatField(source="meter.location_lng", read_only=True)

    class Meta:
        model = OutageMeter
        fields = [
            "meter_number",
            "power_status",
            "dp",
            "customer_id",
            "off_at",
            "restored_at",
            "inferred",
            "location_lat",
            "location_lng",
        ]
        read_only_fields = fields


def outage_summary() -> dict:
    """Totals over the active outages, for the dashboard's header (one query)."""
    rows = (
        Outage.objects.filter(status__in=ACTIVE_STATUSES)
        .order_by()
        .values("status", "scope")
        .annotate(
            outages=Count("id"),
            customers=Coalesce(Sum("affected_customers_count"), 0),
            meters=Coalesce(Sum("affected_meters_count"), 0),
        )
    )
    summary = {
        "active_outages": 0,
        "affected_customers": 0,
        "affected_meters": 0,
        "by_status": {status.value: 0 for status in ACTIVE_STATUSES},
        "by_scope": {},
        # The rule set the engine predicts with (operators switch it).
        "rule_set": RuleSet.objects.filter(active=True).values_list("name", flat=True).first(),
    }
    for row in rows:
        summary["active_outages"] += row["outages"]
        summary["affected_customers"] += row["customers"]
        summary["affected_meters"] += row["meters"]
        summary["by_status"][row["status"]] += row["outages"]
        summary["by_scope"][row["scope"]] = (
            summary["by_scope"].get(row["scope"], 0) + row["outages"]
        )
    return summary


def active_outages() -> list[dict]:
    """Every active outage in the API's shape, newest first (the websocket snapshot)."""
    queryset = outages_for_api(Outage.objects.filter(status__in=ACTIVE_STATUSES)).order_by(
        "-first_detected_at", "-id"
    )
    return [dict(outage) for outage in OutageSerializer(queryset, many=True).data]
