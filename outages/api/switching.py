"""Switching: operating a device (POST …/operate/, scope operate) and the switching log.

The operation is `outages.actions.operate_device` (the network's side is topology's); these
views only parse, call it and answer.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from oms.pagination import StandardPagination
from outages import actions
from topology.actions import DeviceNotFound, SwitchingRefused
from topology.models import SwitchingOperation

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


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
    operated_at = serializers.DateTimeField(
        required=False,
        help_text="When it was operated in the field (ISO 8601 with its zone; default now): an "
        "operation reported after the fact is evidence of its own time, held to the event-time "
        "window (at most max_clock_skew_minutes ahead, not before 2000).",
    )

    def validate_operated_at(self, value):
        raw = str(self.initial_data.get("operated_at", ""))
        if parse_datetime(raw) is not None and parse_datetime(raw).tzinfo is None:
            raise serializers.ValidationError("A time zone is required (e.g. Z or +03:00).")
        with connection.cursor() as cursor:
            cursor.execute("SELECT outages_rule('max_clock_skew_minutes', 5)")
            skew = float(cursor.fetchone()[0])
        if value > timezone.now() + timedelta(minutes=skew):
            raise serializers.ValidationError(
                f"More than {skew:g} minutes ahead of the server's clock (max_clock_skew_minutes)."
            )
        if value < EARLIEST:
            raise serializers.ValidationError("Before 2000-01-01.")
        return value


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
            data = dict(payload.validated_data)
            switching = actions.operate_device(
                kind=kind,
                code=code,
                user=request.user,
                event_time=data.pop("operated_at", None),
                **data,
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
