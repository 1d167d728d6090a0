"""Customers, meters and the audit trail of every meter status change."""

from django.db import models

from oms.models import Timestamped, choices_check


class CustomerStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Customer(Timestamped):
    customer_id = models.CharField("code", max_length=50, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="", db_index=True)
    address = models.TextField(blank=True, default="")
    building_id = models.CharField(max_length=50, blank=True, default="")
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=20, choices=CustomerStatus, default=CustomerStatus.ACTIVE)

    class Meta:
        db_table = "oms_customers"
        ordering = ["customer_id"]
        constraints = [choices_check("status", CustomerStatus)]

    def __str__(self):
        return self.customer_id


class MeterType(models.TextChoices):
    SMART = "smart"
    KAIFA = "kaifa"
    ONU = "onu"
    CONVENTIONAL = "conventional"
    PREPAID = "prepaid"


class MeterStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DECOMMISSIONED = "decommissioned"


class PowerStatus(models.TextChoices):
    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class CommunicationStatus(models.TextChoices):
    ONLINE = "online"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


class Meter(Timestamped):
    meter_number = models.CharField(max_length=50, unique=True)
    meter_type = models.CharField(max_length=20, choices=MeterType, default=MeterType.SMART)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="meters"
    )
    # The DP is the fact; feeder and substation are derived from it (kept for the seed's SQL).
    dp = models.ForeignKey(
        "topology.DistributionPoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
        db_index=False,
    )
    feeder = models.ForeignKey(
        "topology.Feeder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
        db_index=False,
        editable=False,
    )
    substation = models.ForeignKey(
        "topology.Substation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meters",
        db_index=False,
        editable=False,
    )
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    building_id = models.CharField(max_length=50, blank=True, default="")
    asset_mrid = models.CharField("KAIFA asset mRID", max_length=100, null=True, blank=True)
    usage_point_mrid = models.CharField("usage point mRID", max_length=100, null=True, blank=True)
    onu_id = models.CharField("ONU id", max_length=50, null=True, blank=True)
    onu_serial_no = models.CharField("ONU serial", max_length=50, null=True, blank=True)
    status = models.CharField(max_length=20, choices=MeterStatus, default=MeterStatus.ACTIVE)
    power_status = models.CharField(max_length=10, choices=PowerStatus, default=PowerStatus.UNKNOWN)
    communication_status = models.CharField(
        max_length=10, choices=CommunicationStatus, default=CommunicationStatus.UNKNOWN
    )
    last_communication = models.DateTimeField(null=True, blank=True)
    last_power_change = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "oms_meters"
        ordering = ["meter_number"]
        constraints = [
            choices_check("meter_type", MeterType),
            choices_check("status", MeterStatus),
            choices_check("power_status", PowerStatus),
            choices_check("communication_status", CommunicationStatus),
            models.UniqueConstraint(fields=["asset_mrid"], name="meter_asset_mrid_unique"),
            models.UniqueConstraint(
                fields=["usage_point_mrid"], name="meter_usage_point_mrid_unique"
            ),
        ]
        # No index on power_status or last_power_change: a storm rewrites them on every meter,
        # and keeping them out of indexes lets PostgreSQL update meters in place (HOT).
        # A device's meters are listed by number: one index range, not a sort of thousands.
        indexes = [
            models.Index(fields=["onu_id"], name="oms_meters_onu_idx"),
            models.Index(fields=["dp", "meter_number"], name="oms_meters_dp_number_idx"),
            models.Index(fields=["feeder", "meter_number"], name="oms_meters_feeder_number_idx"),
            models.Index(fields=["substation", "meter_number"], name="oms_meters_ss_number_idx"),
        ]

    def __str__(self):
        return self.meter_number


class MeterStatusEvent(models.Model):
    """One row per piece of power evidence applied to a meter (append-only)."""

    # No database foreign key: the engine writes these rows by the ten thousand and only for
    # meters it has just read; a per-row referential check would double the cost of a storm.
    # Indexed by meter_status_events_time_idx (meter first), not by an index of its own.
    meter = models.ForeignKey(
        Meter,
        on_delete=models.CASCADE,
        related_name="status_events",
        db_constraint=False,
        db_index=False,
    )
    event_type = models.CharField(max_length=50)
    previous_status = models.CharField(max_length=10, choices=PowerStatus)
    new_status = models.CharField(max_length=10, choices=PowerStatus)
    source_type = models.CharField(max_length=20)
    source_event_id = models.CharField(max_length=300)
    event_timestamp = models.DateTimeField()
    # False when newer evidence already stood: recorded, but the meter's state did not change.
    applied = models.BooleanField(default=True)
    confidence_score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())

    class Meta:
        db_table = "oms_meter_status_events"
        ordering = ["-event_timestamp", "-id"]
        constraints = [
            choices_check("previous_status", PowerStatus),
            choices_check("new_status", PowerStatus),
            # Source first: it also finds every meter one source event touched. The event time
            # is the partition key (monthly partitions, meters/migrations/0009), which PostgreSQL
            # wants in every unique key; a re-delivery carries the same time.
            models.UniqueConstraint(
                fields=["source_type", "source_event_id", "meter", "event_timestamp"],
                name="meter_status_event_source_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["meter", "-event_timestamp"], name="meter_status_events_time_idx")
        ]


class EventFrontier(models.Model):
    """The newest event time the engine has applied, one row per feeder (key 0: meters without
    one), so that each row is written only under its feeder's engine lock; the frontier of
    CONTRACT §12 is their maximum. Kept by meters_advance_frontier."""

    feeder_key = models.BigIntegerField(primary_key=True)
    event_time = models.DateTimeField()

    class Meta:
        db_table = "oms_event_frontier"

    def __str__(self):
        return f"feeder {self.feeder_key}: {self.event_time}"
