"""Read side of the network: substations, feeders and DPs with meter counts (the meters each
one feeds are the meters app's, `…/<code>/meters/`)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from rest_framework import viewsets

from oms.pagination import StandardPagination
from topology.api.serializers import (
    DistributionPointSerializer,
    FeederSerializer,
    SubstationSerializer,
)
from topology.filtersets import (
    DistributionPointFilterSet,
    FeederFilterSet,
    SubstationFilterSet,
)
from topology.models import DistributionPoint, Feeder, Substation


def with_meter_counts(queryset):
    """Annotate each device with its active meters in total and by power status (one GROUP BY)."""
    active = Q(meters__status="active")
    return queryset.annotate(
        meters_total=Count("meters", filter=active),
        meters_on=Count("meters", filter=active & Q(meters__power_status="on")),
        meters_off=Count("meters", filter=active & Q(meters__power_status="off")),
        meters_unknown=Count("meters", filter=active & Q(meters__power_status="unknown")),
    )


class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    """A device kind: list and one device by code."""

    pagination_class = StandardPagination
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    required_scope = "read"
    code_field: str

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        device = get_object_or_404(queryset, **{self.code_field: self.kwargs["code"]})
        self.check_object_permissions(self.request, device)
        return device


class SubstationViewSet(DeviceViewSet):
    serializer_class = SubstationSerializer
    filterset_class = SubstationFilterSet
    queryset_model = Substation
    code_field = "substation_id"

    def get_queryset(self):
        return with_meter_counts(Substation.objects.all()).order_by("substation_id")


class FeederViewSet(DeviceViewSet):
    serializer_class = FeederSerializer
    filterset_class = FeederFilterSet
    queryset_model = Feeder
    code_field = "feeder_id"

    def get_queryset(self):
        return with_meter_counts(Feeder.objects.select_related("substation")).order_by("feeder_id")


class DistributionPointViewSet(DeviceViewSet):
    serializer_class = DistributionPointSerializer
    filterset_class = DistributionPointFilterSet
    queryset_model = DistributionPoint
    code_field = "dp_id"

    def get_queryset(self):
        return with_meter_counts(
            DistributionPoint.objects.select_related("feeder__substation", "section__fed_through")
        ).order_by("dp_id")
