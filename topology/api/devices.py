"""`/api/devices/`: the feeders' breakers and the in-line devices as operated now (§4, §10).

A device shows its states, what feeds it (`parent`) and what it feeds (downstream counts,
one query per page). "The meters a device feeds" is the meters app's (`…/meters/`).
"""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from oms.pagination import StandardPagination
from topology.devices import DeviceNotFound, downstream_counts, find_device, path_above
from topology.models import Device, DeviceKind, Feeder, SwitchState


def _float(value):
    return float(value) if value is not None else None


class NetworkDeviceSerializer(serializers.Serializer):
    """One shape for a feeder's breaker and an in-line device; counts come in the context."""

    kind = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField()
    name = serializers.CharField()
    state = serializers.CharField()
    normal_state = serializers.CharField()
    telemetered = serializers.BooleanField()
    energized = serializers.SerializerMethodField()
    substation = serializers.SerializerMethodField()
    feeder = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()
    customers_downstream = serializers.SerializerMethodField()
    meters_downstream = serializers.SerializerMethodField()
    meters_off_downstream = serializers.SerializerMethodField()
    location_lat = serializers.SerializerMethodField()
    location_lng = serializers.SerializerMethodField()

    def get_kind(self, device) -> str:
        return "feeder" if isinstance(device, Feeder) else device.kind

    def get_code(self, device) -> str:
        return device.feeder_id if isinstance(device, Feeder) else device.code

    def get_energized(self, device) -> bool:
        if isinstance(device, Feeder):
            return bool(device.head_section and device.head_section.energized)
        return device.energized

    def _feeder(self, device):
        return device if isinstance(device, Feeder) else device.feeder

    def get_substation(self, device) -> str | None:
        feeder = self._feeder(device)
        return feeder.substation.substation_id if feeder else None

    def get_feeder(self, device) -> str | None:
        feeder = self._feeder(device)
        return feeder.feeder_id if feeder else None

    def get_parent(self, device) -> dict | None:
        if isinstance(device, Feeder):
            return {"kind": "substation", "code": device.substation.substation_id}
        upstream = device.upstream_section
        if upstream is not None and upstream.fed_through is not None:
            return {"kind": upstream.fed_through.kind, "code": upstream.fed_through.code}
        return {"kind": "feeder", "code": device.feeder.feeder_id} if device.feeder else None

    def _counts(self, device) -> tuple[int, int, int]:
        return self.context["counts"].get(device.pk, (0, 0, 0))

    def get_meters_downstream(self, device) -> int:
        return self._counts(device)[0]

    def get_meters_off_downstream(self, device) -> int:
        return self._counts(device)[1]

    def get_customers_downstream(self, device) -> int:
        return self._counts(device)[2]

    def get_location_lat(self, device) -> float | None:
        return _float(device.location_lat)

    def get_location_lng(self, device) -> float | None:
        return _float(device.location_lng)

    def to_representation(self, device):
        """The declared fields' output, built directly: DRF's field-by-field walk was most of a
        page's time (tests/topology/test_device_api.py holds the two equal)."""
        feeder = self._feeder(device)
        meters, meters_off, customers = self._counts(device)
        return {
            "kind": self.get_kind(device),
            "code": self.get_code(device),
            "name": device.name,
            "state": device.state,
            "normal_state": device.normal_state,
            "telemetered": device.telemetered,
            "energized": self.get_energized(device),
            "substation": feeder.substation.substation_id if feeder else None,
            "feeder": feeder.feeder_id if feeder else None,
            "parent": self.get_parent(device),
            "customers_downstream": customers,
            "meters_downstream": meters,
            "meters_off_downstream": meters_off,
            "location_lat": _float(device.location_lat),
            "location_lng": _float(device.location_lng),
        }


class NetworkDeviceDetailSerializer(NetworkDeviceSerializer):
    path = serializers.SerializerMethodField()

    def get_path(self, device) -> list[dict]:
        return path_above(self.get_kind(device), device.pk)

    def to_representation(self, device):
        return {**super().to_representation(device), "path": self.get_path(device)}


def _boolean(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.strip().lower() in {"true", "1", "yes", "t", "y"}


def devices_for_api(kind: str):
    if kind == "feeder":
        return Feeder.objects.select_related("substation", "head_section").order_by("feeder_id")
    return Device.objects.select_related(
        "feeder__substation", "upstream_section__fed_through"
    ).order_by("kind", "code")


KIND_CHOICES = ["feeder", *DeviceKind.values]
FILTERS = [
    OpenApiParameter("kind", str, enum=KIND_CHOICES, description="default: the in-line kinds"),
    OpenApiParameter("feeder", str, description="feeder code"),
    OpenApiParameter("substation", str, description="substation code"),
    OpenApiParameter("state", str, enum=SwitchState.values),
    OpenApiParameter("normal_state", str, enum=SwitchState.values),
    OpenApiParameter("telemetered", bool),
    OpenApiParameter("search", str, description="code or name contains"),
]


class DeviceListView(GenericAPIView):
    """The in-line devices (or, with `kind=feeder`, the feeders' breakers), by kind and code."""

    required_scope = "read"
    pagination_class = StandardPagination
    serializer_class = NetworkDeviceSerializer
    # For the OpenAPI schema only (its model); the rows come from `filtered()`.
    queryset = Device.objects.none()

    def filtered(self):
        params = self.request.query_params
        kind = (params.get("kind") or "").lower()
        if kind and kind not in KIND_CHOICES:
            raise serializers.ValidationError({"kind": f"One of {', '.join(KIND_CHOICES)}."})
        queryset = devices_for_api(kind)
        is_feeder = kind == "feeder"
        if kind and not is_feeder:
            queryset = queryset.filter(kind=kind)
        code = "feeder_id" if is_feeder else "code"
        feeder_code = "feeder_id" if is_feeder else "feeder__feeder_id"
        substation_code = (
            "substation__substation_id" if is_feeder else ("feeder__substation__substation_id")
        )
        if value := params.get("feeder"):
            queryset = queryset.filter(**{f"{feeder_code}__iexact": value})
        if value := params.get("substation"):
            queryset = queryset.filter(**{f"{substation_code}__iexact": value})
        for name in ("state", "normal_state"):
            if value := params.get(name):
                if value not in SwitchState.values:
                    raise serializers.ValidationError({name: "closed or open."})
                queryset = queryset.filter(**{name: value})
        if (telemetered := _boolean(params.get("telemetered"))) is not None:
            queryset = queryset.filter(telemetered=telemetered)
        if value := params.get("search"):
            queryset = queryset.filter(
                Q(**{f"{code}__icontains": value}) | Q(name__icontains=value)
            )
        return queryset, "feeder" if is_feeder else "inline"

    @extend_schema(parameters=FILTERS, responses=NetworkDeviceSerializer(many=True))
    def get(self, request):
        queryset, kind = self.filtered()
        page = self.paginate_queryset(queryset)
        counts = downstream_counts(kind, [device.pk for device in page])
        data = NetworkDeviceSerializer(page, many=True, context={"counts": counts}).data
        return self.get_paginated_response(data)


class DeviceDetailView(GenericAPIView):
    """One device (`kind` feeder or an in-line kind; codes in any case) with its `path`."""

    required_scope = "read"
    serializer_class = NetworkDeviceDetailSerializer

    def get(self, request, kind, code):
        kind = kind.lower()
        if kind not in KIND_CHOICES:
            return Response({"detail": f"No {kind} {code}."}, status=404)
        try:
            device = find_device(kind, code, devices_for_api(kind))
        except DeviceNotFound as exc:
            return Response({"detail": str(exc)}, status=404)
        counts = downstream_counts("feeder" if kind == "feeder" else "inline", [device.pk])
        data = NetworkDeviceDetailSerializer(device, context={"counts": counts}).data
        return Response(data)
