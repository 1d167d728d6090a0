"""The providers' raw events (one table per feed, unique natural keys) and their vocabularies."""

from django.db import models
from django.db.models.functions import Lower

from oms.models import choices_check


class Evidence(models.TextChoices):
    OFF = "off", "outage evidence (power down)"
    ON = "on", "restoration evidence (power up)"
    REPORT = "report", "customer report of no supply"
    NONE = "none", "not about supply (stored, ignored)"
    # SCADA status of a telemetered device (CONTRACT §10): applied as a switching operation.
    OPEN = "open", "device status open (open, trip, lockout): the device opened"
    CLOSED = "closed", "device status closed (close, reclose): the device closed"


DEVICE_STATUS = (Evidence.OPEN, Evidence.CLOSED)


class ProcessingStatus(models.TextChoices):
    PROCESSED = "processed"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"
    STALE = "stale"  # older than the age limit behind the frontier (CONTRACT §12): not applied


class ProviderName(models.TextChoices):
    SCADA = "scada"
    ONU = "onu"
    KAIFA = "kaifa"
    CALL_CENTER = "call_center"


# Data stewards list and replay the unmatched few among millions of processed rows.
UNMATCHED_INDEX = models.Index(
    fields=["received_at"],
    condition=models.Q(processing_status="unmatched"),
    name="%(class)s_unmatched_idx",
)


class RawEvent(models.Model):
    """Columns every feed's raw table shares."""

    # Unique with the event time (see Meta): the tables are partitioned by month on it.
    source_event_id = models.CharField(max_length=300)
    event_timestamp = models.DateTimeField()
    evidence = models.CharField(max_length=10, choices=Evidence)
    processing_status = models.CharField(max_length=12, choices=ProcessingStatus)
    raw_payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    processed_at = models.DateTimeField(null=True, blank=True)
    outage_event = models.ForeignKey(
        "outages.Outage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The ingest answer given when the event was first stored; a re-delivery gets it back.
    answer = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["-event_timestamp", "-id"]
        constraints = [
            choices_check("evidence", Evidence),
            choices_check("processing_status", ProcessingStatus),
            # The natural key; PostgreSQL wants the partition key (event time) in it too, and a
            # re-delivery carries the same time. ingest/migrations/0009 partitions the tables.
            models.UniqueConstraint(
                fields=["source_event_id", "event_timestamp"],
                name="%(class)s_source_event_unique",
            ),
        ]
        indexes = [UNMATCHED_INDEX]

    def __str__(self):
        return self.source_event_id


class ScadaEvent(RawEvent):
    event_type = models.CharField(max_length=100)
    alarm_type = models.CharField(max_length=100, blank=True, default="")
    substation_id = models.CharField("substation code", max_length=50)
    feeder_id = models.CharField("feeder code", max_length=50, blank=True, default="")
    main_station_id = models.CharField(max_length=50, blank=True, default="")
    voltage = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=10, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    meters_checked = models.BooleanField(default=False)
    affected_meter_count = models.IntegerField(default=0)
    # The device the event names (deviceType, deviceId as sent); once a status is applied, the
    # device it was applied to (kind and code as the registry spells them).
    device_kind = models.CharField(max_length=20, blank=True, default="", db_default="")
    device_code = models.CharField(max_length=100, blank=True, default="", db_default="")
    # Why an event was not applied or changed nothing (device statuses), for the answer.
    note = models.CharField(max_length=300, blank=True, default="", db_default="")

    class Meta(RawEvent.Meta):
        db_table = "scada_events"
        indexes = [
            models.Index(fields=["substation_id", "feeder_id"], name="scada_device_idx"),
            # The newest status a device reported (a late status never overrides it).
            models.Index(
                fields=["device_kind", "device_code", "event_timestamp"],
                condition=models.Q(evidence__in=DEVICE_STATUS, processing_status="processed"),
                name="scada_status_idx",
            ),
            UNMATCHED_INDEX,
        ]


class ScadaEventAffectedMeter(models.Model):
    """The meters a SCADA event checked, with their power status before and after it.

    A view (ingest/sql/scada_event_affected_meters.sql) over the meters' audit trail, which
    already records every meter a SCADA event touched: the fact is kept once.
    """

    scada_event = models.ForeignKey(
        ScadaEvent, on_delete=models.DO_NOTHING, related_name="meters", db_constraint=False
    )
    meter = models.ForeignKey(
        "meters.Meter", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    power_status_before = models.CharField(max_length=10)
    power_status_after = models.CharField(max_length=10)
    checked_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "scada_event_affected_meters"
        ordering = ["scada_event", "meter"]


class OnuEvent(RawEvent):
    event_type = models.CharField(max_length=100)
    onu_id = models.CharField(max_length=50, blank=True, default="")
    onu_serial = models.CharField(max_length=50, blank=True, default="")
    nms_type = models.CharField(max_length=50, blank=True, default="")
    associated_meters = models.JSONField(default=list, blank=True)

    class Meta(RawEvent.Meta):
        db_table = "onu_events"


class KaifaEvent(RawEvent):
    """One EndDeviceEvent; source_event_id is `<MessageID>/<EndDeviceEvent mRID>`."""

    message_id = models.CharField(max_length=150)
    event_mrid = models.CharField(max_length=150)
    event_type_ref = models.CharField(max_length=100)
    asset_mrid = models.CharField(max_length=100, blank=True, default="")
    usage_point_mrid = models.CharField(max_length=100, blank=True, default="")
    severity = models.CharField(max_length=20, blank=True, default="")
    reason = models.TextField(blank=True, default="")

    class Meta(RawEvent.Meta):
        db_table = "kaifa_events"


class CallCenterTicket(RawEvent):
    phone = models.CharField(max_length=50, blank=True, default="")
    meter_number = models.CharField(max_length=50, blank=True, default="")
    address = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    ticket_status = models.CharField(max_length=50, blank=True, default="")
    intake_id = models.CharField(max_length=100, blank=True, default="")

    class Meta(RawEvent.Meta):
        db_table = "callcenter_tickets"


class VocabularyTerm(models.Model):
    """A provider code and what it evidences; matched case-insensitively."""

    provider = models.CharField(max_length=20, choices=ProviderName)
    field = models.CharField(
        max_length=40, help_text="eventType, alarmType, type, EndDeviceEventType"
    )
    code = models.CharField(max_length=100)
    evidence = models.CharField(max_length=10, choices=Evidence)
    description = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "ingest_vocabulary"
        ordering = ["provider", "field", "code"]
        constraints = [
            choices_check("provider", ProviderName),
            choices_check("evidence", Evidence),
            models.UniqueConstraint(
                "provider", "field", Lower("code"), name="vocabulary_code_unique_ci"
            ),
            # Only SCADA reports the status of devices.
            models.CheckConstraint(
                condition=~models.Q(evidence__in=DEVICE_STATUS) | models.Q(provider="scada"),
                name="vocabulary_device_status_scada",
                violation_error_message="Only SCADA reports device statuses (open, closed).",
            ),
        ]

    def __str__(self):
        return f"{self.provider}:{self.field}={self.code} → {self.evidence}"
