"""Outages, their evidence (sources), timeline, affected meters and the correlation rules."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Value

from oms.models import Timestamped, choices_check


class OutageType(models.TextChoices):
    OUTAGE = "outage"
    MOMENTARY = "momentary"
    PLANNED = "planned_outage"


class OutageStatus(models.TextChoices):
    DETECTED = "detected"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    RESTORED = "restored"
    CLEARED = "cleared"
    CANCELLED = "cancelled"
    MERGED = "merged"


ACTIVE_STATUSES = (OutageStatus.DETECTED, OutageStatus.CONFIRMED, OutageStatus.IN_PROGRESS)


class Scope(models.TextChoices):
    SUBSTATION = "substation"
    FEEDER = "feeder"
    RECLOSER = "recloser"
    SECTIONALIZER = "sectionalizer"
    SWITCH = "switch"
    FUSE = "fuse"
    DP = "dp"
    METER = "meter"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Provider(models.TextChoices):
    SCADA = "scada"
    ONU = "onu"
    KAIFA = "kaifa"
    CALL_CENTER = "call_center"
    OMS = "oms"
    OPERATOR = "operator"


class OutageQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class Outage(Timestamped):
    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=20, choices=OutageType, default=OutageType.OUTAGE)
    status = models.CharField(max_length=20, choices=OutageStatus, default=OutageStatus.DETECTED)
    scope = models.CharField(max_length=20, choices=Scope)
    # The device the outage stands at: the key of a row of the scope's table.
    device_id = models.BigIntegerField()
    substation = models.ForeignKey(
        "topology.Substation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    feeder = models.ForeignKey(
        "topology.Feeder", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dp = models.ForeignKey(
        "topology.DistributionPoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    meter = models.ForeignKey(
        "meters.Meter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(max_length=10, choices=Severity, default=Severity.MEDIUM)
    confidence_score = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    affected_meters_count = models.IntegerField(default=0)
    restored_meters_count = models.IntegerField(default=0)
    affected_customers_count = models.IntegerField(default=0)
    # What its sources add up to, kept by the engine as sources arrive (outages_count_sources):
    # a feeder outage has thousands, and every push and page of outages shows these.
    source_count = models.IntegerField(default=0, db_default=0)
    source_types = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, db_default=Value([])
    )
    first_detected_at = models.DateTimeField()
    estimated_restoration_time = models.DateTimeField(null=True, blank=True)
    actual_restoration_time = models.DateTimeField(null=True, blank=True)
    root_cause = models.TextField(blank=True, default="")
    description = models.TextField(blank=True, default="")
    crew = models.CharField(max_length=200, blank=True, default="")
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_outages"
    )

    objects = OutageQuerySet.as_manager()

    class Meta:
        db_table = "oms_outage_events"
        ordering = ["-first_detected_at", "-id"]
        constraints = [
            choices_check("event_type", OutageType),
            choices_check("status", OutageStatus),
            choices_check("scope", Scope),
            choices_check("severity", Severity),
            models.CheckConstraint(
                condition=models.Q(confidence_score__gte=0, confidence_score__lte=1),
                name="outage_confidence_range",
            ),
            # At most one active outage per device: the guard, not a check-then-insert.
            models.UniqueConstraint(
                fields=["scope", "device_id"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="one_active_outage_per_device",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-first_detected_at"], name="outage_status_time_idx"),
            models.Index(fields=["feeder", "status"], name="outage_feeder_status_idx"),
            models.Index(fields=["dp", "status"], name="outage_dp_status_idx"),
        ]

    def __str__(self):
        return self.event_id


class OutageSource(models.Model):
    """One source event (per provider) that evidences an outage (CONTRACT §11 confidence)."""

    outage = models.ForeignKey(
        Outage,
        on_delete=models.CASCADE,
        related_name="sources",
        db_column="outage_event_id",
        db_index=False,  # outage_source_unique leads with it
    )
    source_type = models.CharField(max_length=20, choices=Provider)
    source_event_id = models.CharField(max_length=300)
    weight = models.DecimalField(max_digits=4, decimal_places=3)
    event_timestamp = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    # The device a device-level source is evidence at (a SCADA loss of voltage or trip, an
    # operator's switching): telemetry at the outage's own device is a fact for its confidence.
    device_scope = models.CharField(max_length=20, null=True, blank=True)
    device_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "oms_event_sources"
        ordering = ["event_timestamp", "id"]
        constraints = [
            choices_check("source_type", Provider),
            models.UniqueConstraint(
                fields=["outage", "source_type", "source_event_id"], name="outage_source_unique"
            ),
        ]


class TimelineEntry(models.Model):
    outage = models.ForeignKey(
        Outage,
        on_delete=models.CASCADE,
        related_name="timeline",
        db_column="outage_event_id",
        db_index=False,  # timeline_outage_idx leads with it
    )
    event_type = models.CharField(max_length=40)
    status = models.CharField(max_length=20, blank=True, default="")
    description = models.TextField(blank=True, default="")
    actor = models.CharField(max_length=150, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    event_timestamp = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())

    class Meta:
        db_table = "oms_event_timeline"
        ordering = ["event_timestamp", "id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["outage", "event_timestamp"], name="timeline_outage_idx")]


class OutageMeter(models.Model):
    """A meter an outage de-energized, with its own off and restore times.

    Written only by the engine, by the ten thousand in a storm: no database foreign keys (a
    per-row referential check would double the cost); the ORM still cascades deletes.
    """

    outage = models.ForeignKey(
        Outage,
        on_delete=models.CASCADE,
        related_name="outage_meters",
        db_column="outage_event_id",
        db_constraint=False,
        db_index=False,  # outage_meter_unique leads with it
    )
    meter = models.ForeignKey(
        "meters.Meter",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # outage_meters_meter_idx
    )
    off_at = models.DateTimeField()
    restored_at = models.DateTimeField(null=True, blank=True)
    inferred = models.BooleanField(default=False)

    class Meta:
        db_table = "oms_outage_meters"
        ordering = ["outage", "meter"]
        constraints = [
            models.UniqueConstraint(fields=["outage", "meter"], name="outage_meter_unique")
        ]
        indexes = [models.Index(fields=["meter"], name="outage_meters_meter_idx")]


class RuleKind(models.TextChoices):
    SOURCE_WEIGHT = "source_weight"
    THRESHOLD = "threshold"
    WINDOW = "window"


class RuleSet(Timestamped):
    """A named set of rule values (`normal`, `storm`, …); exactly one is active.

    `normal` holds every rule; another set holds only the rules it changes, the rest are read
    from `normal` (outages_rule). Operators switch the active set (outages.actions)."""

    name = models.SlugField(max_length=40, unique=True)
    description = models.TextField(blank=True, default="")
    active = models.BooleanField(default=False)

    class Meta:
        db_table = "oms_rule_sets"
        ordering = ["name"]
        constraints = [
            # At most one active set: the guard, not a check-then-update.
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_rule_set"
            )
        ]

    def __str__(self):
        return self.name


class CorrelationRule(models.Model):
    """A tunable of the engine in one rule set: provider weights, thresholds, windows."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    rule_name = models.CharField(max_length=60)
    rule_type = models.CharField(max_length=20, choices=RuleKind)
    value = models.DecimalField(max_digits=10, decimal_places=3)
    description = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True, db_default=models.functions.Now())

    class Meta:
        db_table = "oms_correlation_rules"
        ordering = ["rule_set", "rule_type", "rule_name"]
        constraints = [
            choices_check("rule_type", RuleKind),
            models.UniqueConstraint(fields=["rule_set", "rule_name"], name="rule_unique_in_set"),
        ]

    def __str__(self):
        return f"{self.rule_name} = {self.value}"


class RuleSetSwitch(models.Model):
    """One entry of the log of rule-set switches: who made which set active, when and why."""

    switched_at = models.DateTimeField(db_default=models.functions.Now())
    from_set = models.CharField(max_length=40, blank=True, default="")
    to_set = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    operator = models.CharField(max_length=150, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        db_table = "oms_rule_set_switches"
        ordering = ["-switched_at", "-id"]
        verbose_name_plural = "rule set switches"

    def __str__(self):
        return f"{self.from_set or '—'} → {self.to_set}"


class PendingEvidence(models.Model):
    """A single meter's outage evidence waiting out single_meter_wait_seconds (CONTRACT §11).

    Written only by the engine: a last gasp that no outage covers and no DP or device rule
    explains waits here (the meter is off, no outage is reported) until it is `due_at`; then
    outages_sweep (or the DP's next evidence) correlates it. A power-up first drops it.
    """

    meter_id = models.BigIntegerField()
    dp_id = models.BigIntegerField(null=True)
    evidence = models.CharField(max_length=10)
    event_time = models.DateTimeField()
    provider = models.CharField(max_length=50)
    source_event_id = models.CharField(max_length=300)
    event_type = models.CharField(max_length=100, blank=True, default="")
    due_at = models.DateTimeField()

    class Meta:
        db_table = "oms_pending_evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["meter_id", "provider", "source_event_id"], name="pending_evidence_unique"
            )
        ]
        indexes = [
            models.Index(fields=["due_at"], name="pending_evidence_due_idx"),
            models.Index(fields=["dp_id"], name="pending_evidence_dp_idx"),
        ]

    def __str__(self):
        return f"{self.provider} {self.source_event_id} (meter {self.meter_id})"


class RestorationCheck(models.Model):
    """A meter a device's re-energization set on by inference, awaiting its own power-up.

    Written only by the engine (outages_energize_device): a meter that was off and has a
    channel is remembered with the energization (the device, its time, and since when the meter
    was off). Once `restoration_check_seconds` have passed, outages_check_restorations judges
    each energization's meters together: those of one transformer or device that sent no
    power-up while others below the device did are a nested outage (CONTRACT §11).
    """

    meter_id = models.BigIntegerField(unique=True)
    dp_id = models.BigIntegerField(null=True)
    feeder_id = models.BigIntegerField(null=True)
    scope = models.CharField(max_length=20)
    device_id = models.BigIntegerField()
    energized_at = models.DateTimeField()
    off_since = models.DateTimeField(null=True)
    recorded_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        db_table = "oms_restoration_checks"
        indexes = [
            models.Index(fields=["feeder_id", "energized_at"], name="restoration_check_feeder_idx"),
            models.Index(fields=["energized_at"], name="restoration_check_time_idx"),
            models.Index(fields=["recorded_at"], name="restoration_check_recorded_idx"),
        ]

    def __str__(self):
        return f"meter {self.meter_id} after {self.scope} {self.device_id} at {self.energized_at}"
