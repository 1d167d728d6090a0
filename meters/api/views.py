"""Read side of meters: the list, one meter, its status history, and compact map positions."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meters.api.serializers import MeterSerializer, MeterStatusEventSerializer, meters_for_api
from meters.filtersets import MeterFilterSet
from meters.models import Meter, MeterStatusEvent
from oms.pagination import StandardPagination, paged_schema

# The dashboard's map draws every meter up to this many; beyond it, only devices.
POSITIONS_LIMIT = 20_000


class MeterViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeterSerializer
    filterset_class = MeterFilterSet
    pagination_class = StandardPagination
    lookup_field = "meter_number"
    lookup_value_regex = "[^/]+"
    required_scope = "read"

    def get_queryset(self):
        return meters_for_api()

    @paged_schema(MeterStatusEventSerializer)
    @action(detail=True, methods=["get"], serializer_class=MeterStatusEventSerializer)
    def history(self, request, meter_number=None):
        """The meter's status events, newest first."""
        meter = get_object_or_404(Meter.objects.only("pk"), meter_number=meter_number)
        events = MeterStatusEvent.objects.filter(meter=meter).order_by("-event_timestamp", "-id")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(MeterStatusEventSerializer(page, many=True).data)

    @extend_schema(
        responses=inline_serializer(
            "MeterPositions",
            {
                "fields": serializers.ListField(child=serializers.CharField()),
                "truncated": serializers.BooleanField(),
                "rows": serializers.ListField(child=serializers.ListField()),
            },
        )
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=MeterFilterSet)
    def positions(self, request):
        """Compact rows for the map: `[meter_number, lat, lng, power_status, dp]`."""
        queryset = self.filter_queryset(Meter.objects.all()).filter(
            location_lat__isnull=False, location_lng__isnull=False
        )
        rows = list(
            queryset.order_by("meter_number").values_list(
                "meter_number", "location_lat", "location_lng", "power_status", "dp__dp_id"
            )[: POSITIONS_LIMIT + 1]
        )
        truncated = len(rows) > POSITIONS_LIMIT
        return Response(
            {
                "fields": ["meter_number", "lat", "lng", "power_status", "dp"],
                "truncated": truncated,
                "rows": [
                    [number, float(lat), float(lng), power, dp]
                    for number, lat, lng, power, dp in rows[:POSITIONS_LIMIT]
                ],
            }
        )
