"""Switching: operating a device (POST …/operate/, scope operate) and the switching log.

The operation is `outages.actions.operate_device` (the network's side is topology's); these
views only parse, call it and answer.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from oms.pagination import StandardPagination
from outages import actions
from topology.actions import DeviceNotFound, SwitchingRefused
from topology.models import SwitchingOperation


class SwitchingOperationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SwitchingOperation
        fields = [
            "id",
            "operated_at",
            "device_kind",
            "device_code",
            "from_state",
            "to_state",
            "source",
            "source_event_id",
            "operator",
            "note",
            "meters_de_energized",
            "meters_energized",
        ]


class OperateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["open", "close"])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DeviceOperateView(APIView):
    required_scope = "operate"

    @extend_schema(
        request=OperateSerializer,
        responses={
            200: inline_serializer("Operated", {"switching": SwitchingOperationSerializer()}),
            404: None,
            409: None,
        },
    )
    def post(self, request, kind, code):
        payload = OperateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            switching = actions.operate_device(
                kind=kind, code=code, user=request.user, **payload.validated_data
            )
        except DeviceNotFound as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
        except SwitchingRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"switching": SwitchingOperationSerializer(switching.operation).data})


class SwitchingLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The switching log, newest first (filters: `kind`, `device`)."""

    serializer_class = SwitchingOperationSerializer
    pagination_class = StandardPagination
    required_scope = "read"

    def get_queryset(self):
        queryset = SwitchingOperation.objects.order_by("-operated_at", "-id")
        if kind := self.request.query_params.get("kind"):
            queryset = queryset.filter(device_kind=kind.lower())
        if device := self.request.query_params.get("device"):
            queryset = queryset.filter(device_code__iexact=device)
        return queryset
