"""Operators' side of outages: lifecycle transitions and the IEEE 1366 indices."""

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from oms import errors
from oms.timestamps import BoundedDateTimeField
from outages import actions
from outages.api.serializers import OutageSerializer, outages_for_api
from outages.models import OutageStatus
from outages.reliability import reliability_indices


class TransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[s for s in OutageStatus.values if s != OutageStatus.MERGED],
        required=False,
        default=None,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    estimated_restoration_time = BoundedDateTimeField(required=False, default=None)
    crew = serializers.CharField(required=False, max_length=200, default=None)

    def validate(self, attrs):
        if not any(attrs.get(k) for k in ("status", "note", "estimated_restoration_time", "crew")):
            raise serializers.ValidationError(
                "Give a status, or a note, estimated_restoration_time or crew to record."
            )
        return attrs


class OutageTransitionView(APIView):
    required_scope = "operate"

    @extend_schema(request=TransitionSerializer, responses={200: OutageSerializer})
    def post(self, request, event_id):
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        actor = getattr(request.user, "username", None) or getattr(request.user, "name", "api")
        try:
            actions.transition_outage(event_id=event_id, actor=actor, **payload.validated_data)
        except actions.OutageNotFound:
            return errors.refusal(404, errors.NOT_FOUND, f"No outage {event_id}.")
        except actions.IllegalTransition as exc:
            return errors.refusal(409, errors.ILLEGAL_TRANSITION, str(exc))
        return Response(OutageSerializer(outages_for_api().get(event_id=event_id)).data)


class PeriodSerializer(serializers.Serializer):
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()

    def validate(self, attrs):
        for name in ("start", "end"):
            raw = self.initial_data.get(name, "")
            parsed = parse_datetime(raw) if isinstance(raw, str) else None
            if parsed is not None and parsed.tzinfo is None:
                raise serializers.ValidationError({name: "Give a time zone (e.g. Z or +03:00)."})
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "Must be after start."})
        return attrs


class ReliabilityView(APIView):
    required_scope = "read"

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, required=True, description="ISO 8601 with zone"),
            OpenApiParameter("end", str, required=True, description="ISO 8601 with zone"),
        ],
        responses=inline_serializer(
            "Reliability",
            {
                "start": serializers.DateTimeField(),
                "end": serializers.DateTimeField(),
                "customers_served": serializers.IntegerField(),
                "customer_interruptions": serializers.IntegerField(),
                "momentary_customer_interruptions": serializers.IntegerField(),
                "customer_minutes_interrupted": serializers.FloatField(),
                "saifi": serializers.FloatField(),
                "saidi": serializers.FloatField(),
                "caidi": serializers.FloatField(allow_null=True),
                "maifi": serializers.FloatField(),
            },
        ),
    )
    def get(self, request):
        period = PeriodSerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        indices = reliability_indices(period.validated_data["start"], period.validated_data["end"])
        return Response(indices.as_dict())
