"""The meters a device feeds now: `/api/devices/<kind>/<code>/meters/` for every device kind,
and the older `/api/substations|feeders|distribution-points/<code>/meters/` (same view).

Meters belong here, not to topology: the network answers which device, the meters app which
meters (an in-line device feeds the DPs of the sections whose derived path holds it).
"""

from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from meters.api.serializers import MeterSerializer, meters_for_api
from meters.filtersets import MeterFilterSet
from meters.models import Meter, MeterStatus
from oms.pagination import StandardPagination, paged_schema
from topology.devices import DeviceNotFound, find_device
from topology.models import DeviceKind

FED_FROM = {"substation": "substation", "feeder": "feeder", "dp": "dp"}


def meters_fed_from(kind: str, device) -> "Meter.objects":
    """The active meters a device feeds now, as the network is operated."""
    if kind in DeviceKind.values:
        fed = Meter.objects.filter(dp__section__path__contains=[device.pk])
    else:
        fed = Meter.objects.filter(**{FED_FROM[kind]: device})
    return fed.filter(status=MeterStatus.ACTIVE)


class DeviceMetersView(GenericAPIView):
    """The active meters the device feeds now (the filters of /api/meters/ apply)."""

    required_scope = "read"
    serializer_class = MeterSerializer
    filterset_class = MeterFilterSet
    pagination_class = StandardPagination
    kind = ""  # fixed by the older per-kind routes

    def get_queryset(self):
        return Meter.objects.none()

    @paged_schema(MeterSerializer)
    def get(self, request, code, kind=None):
        kind = (kind or self.kind).lower()
        try:
            device = find_device(kind, code)
        except DeviceNotFound as exc:
            return Response({"detail": str(exc)}, status=404)
        queryset = meters_for_api(meters_fed_from(kind, device))
        queryset = MeterFilterSet(request.query_params, queryset=queryset, request=request).qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(MeterSerializer(page, many=True).data)
