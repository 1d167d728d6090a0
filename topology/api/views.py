"""Read side of the network: devices with meter counts, and the meters each one feeds."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.decorators import action

from meters.api.serializers import MeterSerializer, meters_for_api
from meters.filtersets import MeterFilterSet
from meters.models import Meter, MeterStatus, PowerStatus
from oms.pagination import StandardPagination, paged_schema
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
    active = Q(meters__status=MeterStatus.ACTIVE)
    return queryset.annotate(
        meters_total=Count("meters", filter=active),
        meters_on=Count("meters", filter=active & Q(meters__power_status=PowerStatus.ON)),
        meters_off=Count("meters", filter=active & Q(meters__power_status=PowerStatus.OFF)),
        meters_unknown=Count("meters", filter=active & Q(meters__power_status=PowerStatus.UNKNOWN)),
    )


class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    """A device kind: list and one device by code; `meters/` lists the meters it feeds."""

    pagination_class = StandardPagination
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    required_scope = "read"
    code_field: str
    meter_device_field: str  # the Meter foreign key that names this device

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        device = get_object_or_404(queryset, **{self.code_field: self.kwargs["code"]})
        self.check_object_permissions(self.request, device)
        return device

    @paged_schema(MeterSerializer)
    @action(
        detail=True,
        methods=["get"],
        serializer_class=MeterSerializer,
        filterset_class=MeterFilterSet,
    )
    def meters(self, request, code=None):
        """The active meters fed from this device (filters of /api/meters/ apply)."""
        device = get_object_or_404(
            self.queryset_model.objects.only("pk"), **{self.code_field: code}
        )
        queryset = meters_for_api(
            Meter.objects.filter(**{self.meter_device_field: device}, status=MeterStatus.ACTIVE)
        )
        queryset = MeterFilterSet(request.query_params, queryset=queryset, request=request).qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MeterSerializer(page, many=True).data)


class SubstationViewSet(DeviceViewSet):
    serializer_class = SubstationSerializer
    filterset_class = SubstationFilterSet
    queryset_model = Substation
    code_field = "substation_id"
    meter_device_field = "substation"

    def get_queryset(self):
        return with_meter_counts(Substation.objects.all()).order_by("substation_id")


class FeederViewSet(DeviceViewSet):
    serializer_class = FeederSerializer
    filterset_class = FeederFilterSet
    queryset_model = Feeder
    code_field = "feeder_id"
    meter_device_field = "feeder"

    def get_queryset(self):
        return with_meter_counts(Feeder.objects.select_related("substation")).order_by("feeder_id")


class DistributionPointViewSet(DeviceViewSet):
    serializer_class = DistributionPointSerializer
    filterset_class = DistributionPointFilterSet
    queryset_model = DistributionPoint
    code_field = "dp_id"
    meter_device_field = "dp"

    def get_queryset(self):
        return with_meter_counts(
            DistributionPoint.objects.select_related("feeder__substation", "section__fed_through")
        ).order_by("dp_id")
