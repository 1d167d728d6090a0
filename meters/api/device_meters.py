"""The meters a device feeds now: `/api/devices/<kind>/<code>/meters/` for every device kind,
and the older `/api/substations|feeders|distribution-points/<code>/meters/` (same view).

Meters belong here, not to topology: the network answers which device, the meters app which
meters (an in-line device feeds the DPs of the sections whose derived path holds it).
"""

from django.core.paginator import Paginator
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from meters.api.serializers import MeterSerializer, meters_for_api
from meters.filtersets import MeterFilterSet
from meters.models import Meter, MeterStatus
from oms.pagination import StandardPagination, paged_schema
from topology.devices import DeviceNotFound, downstream_counts, find_device
from topology.models import DeviceKind

FED_FROM = {"substation": "substation", "feeder": "feeder", "dp": "dp"}


def meters_fed_from(kind: str, device) -> "Meter.objects":
    """The active meters a device feeds now, as the network is operated."""
    if kind in DeviceKind.values:
        fed = Meter.objects.filter(dp__section__path__contains=[device.pk])
    else:
        fed = Meter.objects.filter(**{FED_FROM[kind]: device})
    return fed.filter(status=MeterStatus.ACTIVE)


class CountedPagination(StandardPagination):
    """The page's total, when the view knows it beforehand (`known_count`), is not counted
    again by the database."""

    known_count: int | None = None

    def django_paginator_class(self, object_list, per_page):
        paginator = Paginator(object_list, per_page)
        if self.known_count is not None:
            paginator.count = self.known_count  # Paginator.count is a cached property
        return paginator


UNFILTERED = {"page", "page_size"}


class DeviceMetersView(GenericAPIView):
    """The active meters the device feeds now (the filters of /api/meters/ apply)."""

    required_scope = "read"
    serializer_class = MeterSerializer
    filterset_class = MeterFilterSet
    pagination_class = CountedPagination
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
        fed = meters_fed_from(kind, device).order_by("meter_number")
        queryset = MeterFilterSet(request.query_params, queryset=fed, request=request).qs
        if kind != "dp" and set(request.query_params) <= UNFILTERED:
            # Every active meter the device feeds: its sections' counts say how many.
            scope = kind if kind in ("feeder", "substation") else "inline"
            self.paginator.known_count = downstream_counts(scope, [device.pk]).get(
                device.pk, (0, 0, 0)
            )[0]
        # The page's meters first (no join), then their rows with what the serializer reads:
        # joining the customer of each of a recloser's thousands of meters before the sort
        # was most of the query.
        page = self.paginate_queryset(queryset.values_list("pk", flat=True))
        rows = {meter.pk: meter for meter in meters_for_api(Meter.objects.filter(pk__in=page))}
        meters = [rows[pk] for pk in page]
        return self.get_paginated_response(MeterSerializer(meters, many=True).data)
