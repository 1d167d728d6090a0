"""Read side of outages: the list with filters, one outage with sources and timeline, its meters.

Lifecycle actions (transition) and reliability are added by their owners beside these: put a
POST action on `OutageViewSet` with `required_scope="operate"`, or register another viewset in
`outages/api/urls.py`.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.decorators import action

from oms.pagination import StandardPagination, paged_schema
from outages.api.serializers import (
    OutageDetailSerializer,
    OutageMeterSerializer,
    OutageSerializer,
    outages_for_api,
)
from outages.filtersets import OutageFilterSet
from outages.models import Outage, OutageMeter, OutageSource, TimelineEntry


class OutageViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = OutageFilterSet
    pagination_class = StandardPagination
    lookup_field = "event_id"
    lookup_value_regex = "[^/]+"
    required_scope = "read"

    def get_queryset(self):
        queryset = outages_for_api().order_by("-first_detected_at", "-id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "sources", queryset=OutageSource.objects.order_by("event_timestamp", "id")
                ),
                Prefetch(
                    "timeline", queryset=TimelineEntry.objects.order_by("event_timestamp", "id")
                ),
            )
        return queryset

    def get_serializer_class(self):
        return OutageDetailSerializer if self.action == "retrieve" else OutageSerializer

    @paged_schema(OutageMeterSerializer)
    @action(
        detail=True, methods=["get"], serializer_class=OutageMeterSerializer, filterset_class=None
    )
    def meters(self, request, event_id=None):
        """The outage's meters with per-meter off and restore times."""
        outage = get_object_or_404(Outage.objects.only("pk"), event_id=event_id)
        rows = (
            OutageMeter.objects.filter(outage=outage)
            .select_related("meter__dp", "meter__customer")
            .order_by("meter__meter_number", "id")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OutageMeterSerializer(page, many=True).data)
