"""Wire shapes of the ingest API for the OpenAPI schema, plus the replay request.

The provider payloads are parsed by ingest.parsers (they accept envelopes and XML that a
serializer cannot describe); these serializers document the bare forms and the answers.
tests/ingest/test_wire_formats.py holds the two to one format: a field is required here exactly
when the parser refuses an event without it (one-of rules are told in the help texts).
"""

from rest_framework import serializers

from ingest.models import ProcessingStatus, ProviderName
from ingest.parsers.scada import DEVICE_TYPES


class CoordinatesSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)


class ScadaEventSerializer(serializers.Serializer):
    eventId = serializers.CharField(required=False, max_length=200, help_text="natural key")
    eventType = serializers.CharField(
        required=False,
        max_length=100,
        help_text="e.g. MV_AlarmLossOfVoltage; eventType or a legacy alarmType is required",
    )
    alarmType = serializers.CharField(required=False, max_length=64, help_text="e.g. De-energized")
    substationId = serializers.CharField(max_length=50)
    feederId = serializers.CharField(required=False, max_length=50)
    deviceId = serializers.CharField(
        required=False,
        max_length=100,
        help_text="code of the telemetered device the event is about (else the feeder, else the "
        "substation); its status codes (open, closed, trip, reclose, lockout) set its state",
    )
    deviceType = serializers.ChoiceField(
        choices=DEVICE_TYPES,
        required=False,
        help_text="the device's kind (any case); without it deviceId is looked up in every kind",
    )
    mainStationId = serializers.CharField(required=False, max_length=50)
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with a zone")
    voltage = serializers.FloatField(required=False, allow_null=True)
    severity = serializers.CharField(
        required=False, help_text="normalized to low, medium, high or critical"
    )
    reason = serializers.CharField(required=False, max_length=10_000)
    coordinates = CoordinatesSerializer(required=False)


class OnuAlarmDataSerializer(serializers.Serializer):
    category = serializers.CharField(required=False)
    alarmType = serializers.CharField(required=False, max_length=100)
    parcel = serializers.CharField(required=False)
    serial = serializers.CharField(required=False)


class OnuEventSerializer(serializers.Serializer):
    eventId = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=100, help_text="ONU_LastGaspAlert, ONU_PowerRestored")
    onuId = serializers.CharField(
        required=False, max_length=50, help_text="string or integer; onuId or associatedMeters"
    )
    onuSerial = serializers.CharField(required=False, max_length=50)
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with a zone")
    nmsType = serializers.CharField(required=False, max_length=50)
    location = CoordinatesSerializer(required=False)
    associatedMeters = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="meter numbers; onuId or associatedMeters",
    )
    alarmData = OnuAlarmDataSerializer(required=False)


class KaifaHeaderSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=140)
    verb = serializers.CharField(required=False)
    noun = serializers.CharField(required=False)
    source = serializers.CharField(required=False)
    timestamp = serializers.CharField(required=False)


class KaifaMridSerializer(serializers.Serializer):
    mRID = serializers.CharField(
        required=False, max_length=100, help_text="assets.mRID or usage_point.mRID is required"
    )


class KaifaEventTypeSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=100, help_text="sent as '@ref'")

    def get_fields(self):
        fields = super().get_fields()
        fields["@ref"] = fields.pop("ref")
        return fields


class KaifaPayloadSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=140, help_text="EndDeviceEvent mRID")
    created_date_time = serializers.DateTimeField(help_text="the event time (with a zone)")
    event_type = KaifaEventTypeSerializer(help_text="PowerOutage, PowerRestored, 3.26.0.85, …")
    assets = KaifaMridSerializer(required=False, help_text="the meter's asset mRID")
    usage_point = KaifaMridSerializer(
        required=False, help_text="the meter's usage point, when the asset is not known"
    )
    severity = serializers.CharField(required=False, max_length=20)
    reason = serializers.CharField(required=False)


class KaifaEventSerializer(serializers.Serializer):
    """The flattened JSON of one EndDeviceEvent (keys may keep their `ns2:` prefix)."""

    message_type = serializers.CharField(required=False)
    header = KaifaHeaderSerializer()
    payload = KaifaPayloadSerializer()


class CallCenterCustomerSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=50)
    meterNumber = serializers.CharField(required=False, max_length=50)
    address = serializers.CharField(required=False)
    notes = serializers.CharField(required=False)


class CallCenterIntakeSerializer(serializers.Serializer):
    intakeId = serializers.CharField(required=False)
    omsEventId = serializers.CharField(required=False)


class CallCenterTicketSerializer(serializers.Serializer):
    ticketId = serializers.CharField(max_length=200)
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with a zone")
    customer = CallCenterCustomerSerializer(help_text="meterNumber or phone is required")
    notes = serializers.CharField(required=False)
    status = serializers.CharField(required=False, max_length=50)
    intake = CallCenterIntakeSerializer(required=False)


class MeterCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    off = serializers.IntegerField()
    on = serializers.IntegerField()
    unknown = serializers.IntegerField()


class IngestAnswerSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices)
    source_event_id = serializers.CharField()
    duplicate = serializers.BooleanField()
    status = serializers.ChoiceField(choices=ProcessingStatus.choices)
    meters = MeterCountsSerializer()
    outage_event_id = serializers.CharField(allow_null=True)
    outage_event_ids = serializers.ListField(child=serializers.CharField())


class DeviceRefSerializer(serializers.Serializer):
    kind = serializers.CharField(allow_null=True, help_text="null when sent without deviceType")
    code = serializers.CharField()


class ScadaAnswerSerializer(IngestAnswerSerializer):
    scada_event_id = serializers.IntegerField()
    meters_checked = serializers.BooleanField()
    total_meters = serializers.IntegerField()
    offline_meters = serializers.IntegerField()
    online_meters = serializers.IntegerField()
    unknown_meters = serializers.IntegerField()
    device = DeviceRefSerializer(
        allow_null=True, help_text="the device the event named, or a status was applied to"
    )
    note = serializers.CharField(
        allow_blank=True, help_text="why the event was not applied or changed nothing"
    )


class KaifaAnswerSerializer(serializers.Serializer):
    provider = serializers.CharField(help_text="kaifa")
    message_id = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="true when every event was a re-delivery")
    events = IngestAnswerSerializer(many=True)


class FieldErrorsField(serializers.DictField):
    """{"field.path": ["why", …]}"""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ListField(child=serializers.CharField()), **kwargs)


class RejectedEventSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    errors = FieldErrorsField()


class BatchStatusesSerializer(serializers.Serializer):
    processed = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    ignored = serializers.IntegerField()
    stale = serializers.IntegerField()


class BatchAnswerSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="events stored and applied now")
    duplicates = serializers.IntegerField(help_text="re-deliveries of events already stored")
    rejected = RejectedEventSerializer(many=True)
    statuses = BatchStatusesSerializer(help_text="outcome of the accepted events")


class PayloadErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stable machine-readable reason (see oms/errors.py)")
    errors = FieldErrorsField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="stable machine-readable reason (see oms/errors.py)")


class UnmatchedEventSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices)
    id = serializers.IntegerField(help_text="the raw row's key in the provider's table")
    source_event_id = serializers.CharField()
    event_type = serializers.CharField()
    evidence = serializers.CharField()
    event_timestamp = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    identifiers = serializers.DictField(help_text="what the registry did not know")


class ReplayRequestSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=ProviderName.choices, required=False)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
        help_text="raw row keys of `provider` (all of its unmatched events when omitted)",
    )

    def validate(self, attrs):
        if "ids" in attrs and "provider" not in attrs:
            raise serializers.ValidationError({"provider": ["Required when ids are given."]})
        return attrs


class ReplayAnswerSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
    processed = serializers.IntegerField()
    ignored = serializers.IntegerField()
    unmatched = serializers.IntegerField(help_text="still unmatched after the replay")
    providers = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))


class UnmatchedPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = UnmatchedEventSerializer(many=True)


def inline_batch(provider: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The batch request `{"events": [item, …]}` of one provider."""
    name = "".join(part.title() for part in provider.split("_"))
    return type(
        f"{name}BatchSerializer",
        (serializers.Serializer,),
        {"events": item(many=True, max_length=5000)},
    )
