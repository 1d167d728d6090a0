"""`GET /api/network/lines/?feeder=`: the geometry of imported feeder models for the map, each
line with its section's feeding now (derived by topology_derive_feeding)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from topology.models import Feeder, Line


class FedThroughSerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()


class LineSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="section.code")
    feeder = serializers.CharField(source="section.feeder.feeder_id", default=None)
    energized = serializers.BooleanField(source="section.energized")
    fed_through = serializers.SerializerMethodField()
    coordinates = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))

    class Meta:
        model = Line
        fields = ["code", "coordinates", "section", "feeder", "energized", "fed_through"]

    @extend_schema_field(FedThroughSerializer(allow_null=True))
    def get_fed_through(self, line):
        device = line.section.fed_through
        return {"kind": device.kind, "code": device.code} if device else None


@extend_schema(
    parameters=[OpenApiParameter("feeder", str, description="a feeder's code: its lines only")]
)
class LineList(generics.ListAPIView):
    """Lines of the imported feeder models ([lat, lng] points), with their section's feeder,
    energization and the device it is fed through now. `?feeder=` keeps one feeder's lines."""

    serializer_class = LineSerializer
    pagination_class = None  # the map draws a whole feeder at once
    required_scope = "read"

    def get_queryset(self):
        lines = Line.objects.select_related(
            "section", "section__feeder", "section__fed_through"
        ).order_by("code")
        code = self.request.query_params.get("feeder")
        if code is None:
            return lines
        feeder = Feeder.objects.filter(feeder_id__iexact=code).first()
        if feeder is None:
            raise ValidationError({"feeder": f"no feeder {code!r}"})
        return lines.filter(section__feeder=feeder)
