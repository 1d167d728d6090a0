"""The network: substations, feeders (head breakers), sections, in-line devices, DPs, and the
derived device→meter mappings.

What each device feeds is derived by `topology_derive_feeding()` from the devices' states
(NETWORK-MODEL.md): the fields marked "derived" are written by it alone.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from oms.models import Timestamped, choices_check


class DeviceStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    MAINTENANCE = "maintenance"


class SwitchState(models.TextChoices):
    CLOSED = "closed"
    OPEN = "open"


class DeviceKind(models.TextChoices):
    """The in-line switching and protective devices between a feeder's head and its DPs."""

    RECLOSER = "recloser"
    SECTIONALIZER = "sectionalizer"
    SWITCH = "switch"
    FUSE = "fuse"


class Substation(Timestamped):
    substation_id = models.CharField("code", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    region_code = models.CharField(max_length=20, blank=True, default="")
    voltage_level = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=20, choices=DeviceStatus, default=DeviceStatus.ACTIVE)
    # The OpenDSS model it was imported from (`import_feeder`: prefix + circuit name); what
    # hangs below it belongs to that model. Blank for grids loaded from CSV.
    feeder_model = models.CharField(max_length=100, blank=True, db_default="")

    class Meta:
        db_table = "network_substations"
        ordering = ["substation_id"]
        constraints = [choices_check("status", DeviceStatus)]

    def __str__(self):
        return f"{self.substation_id} {self.name}"


class Feeder(Timestamped):
    feeder_id = models.CharField("code", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    substation = models.ForeignKey(Substation, on_delete=models.PROTECT, related_name="feeders")
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    capacity_kva = models.IntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=DeviceStatus, default=DeviceStatus.ACTIVE)
    # The feeder stands for its head breaker: a source that energizes its head section.
    head_section = models.OneToOneField(
        "Section", on_delete=models.PROTECT, null=True, blank=True, related_name="head_of"
    )
    # db_default: the seed's SQL and the CSV import insert feeders without these columns.
    normal_state = models.CharField(
        max_length=10, choices=SwitchState, default="closed", db_default="closed"
    )
    state = models.CharField(
        max_length=10, choices=SwitchState, default="closed", db_default="closed"
    )
    telemetered = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "network_feeders"
        ordering = ["feeder_id"]
        constraints = [
            choices_check("status", DeviceStatus),
            choices_check("normal_state", SwitchState),
            choices_check("state", SwitchState),
        ]

    def __str__(self):
        return f"{self.feeder_id} {self.name}"


class DistributionPoint(Timestamped):
    dp_id = models.CharField("code", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="distribution_points")
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    building_id = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(max_length=20, choices=DeviceStatus, default=DeviceStatus.ACTIVE)
    # The fact: the section the DP hangs on. `feeder` above is derived from it.
    section = models.ForeignKey(
        "Section",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distribution_points",
    )

    class Meta:
        db_table = "network_distribution_points"
        ordering = ["dp_id"]
        verbose_name = "distribution point"
        constraints = [choices_check("status", DeviceStatus)]

    def __str__(self):
        return f"{self.dp_id} {self.name}"


class Section(Timestamped):
    """A connected piece of conductor between switching or protective devices.

    Everything but `code` is derived by `topology_derive_feeding()` from the devices' states."""

    code = models.CharField(max_length=100, unique=True)
    feeder = models.ForeignKey(
        Feeder, on_delete=models.SET_NULL, null=True, blank=True, related_name="sections"
    )
    energized = models.BooleanField(default=False, db_default=False)
    # The in-line device it is fed through now (NULL for a feeder's head section).
    fed_through = models.ForeignKey(
        "Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Ids of the in-line devices from the feeder head down to it, nearest last.
    path = ArrayField(models.BigIntegerField(), default=list, db_default=[], blank=True)
    depth = models.IntegerField(default=0, db_default=0)
    # What its DPs feed (active meters, those off, distinct customers): kept by the meters
    # app's trigger on oms_meters (meters_count_sections), so downstream counts add up
    # sections instead of reading every meter.
    meters_count = models.IntegerField(default=0, db_default=0)
    meters_off_count = models.IntegerField(default=0, db_default=0)
    customers_count = models.IntegerField(default=0, db_default=0)

    class Meta:
        db_table = "network_sections"
        ordering = ["code"]
        indexes = [
            GinIndex(fields=["path"], name="sections_path_gin"),
            models.Index(fields=["feeder"], name="sections_feeder_idx"),
        ]

    def __str__(self):
        return self.code


class Device(Timestamped):
    """A recloser, sectionalizer, switch or fuse between two sections (undirected when closed).

    `section_a` is the normal upstream side; `feeder`, `energized` and `upstream_section` are
    derived by `topology_derive_feeding()`."""

    kind = models.CharField(max_length=20, choices=DeviceKind)
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True, default="")
    normal_state = models.CharField(
        max_length=10, choices=SwitchState, default="closed", db_default="closed"
    )
    state = models.CharField(
        max_length=10, choices=SwitchState, default="closed", db_default="closed"
    )
    telemetered = models.BooleanField(default=False, db_default=False)
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    section_a = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="devices_a")
    section_b = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="devices_b")
    feeder = models.ForeignKey(
        Feeder, on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    energized = models.BooleanField(default=False, db_default=False)
    upstream_section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "network_devices"
        ordering = ["kind", "code"]
        constraints = [
            choices_check("kind", DeviceKind),
            choices_check("normal_state", SwitchState),
            choices_check("state", SwitchState),
            models.UniqueConstraint(fields=["kind", "code"], name="device_kind_code_unique"),
        ]
        indexes = [
            models.Index(fields=["section_a"], name="devices_section_a_idx"),
            models.Index(fields=["section_b"], name="devices_section_b_idx"),
            models.Index(fields=["feeder"], name="devices_feeder_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.code}"


class Line(models.Model):
    """A line of an imported feeder model, for the map: its section and its [lat, lng] points."""

    code = models.CharField(max_length=100, unique=True)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="lines")
    coordinates = models.JSONField(default=list)

    class Meta:
        db_table = "network_lines"
        ordering = ["code"]
        indexes = [models.Index(fields=["section"], name="lines_section_idx")]

    def __str__(self):
        return self.code


class SwitchingSource(models.TextChoices):
    OPERATOR = "operator"
    SCADA = "scada"


class SwitchingOperation(models.Model):
    """One entry of the switching log: a device opened or closed, by whom, when and why."""

    operated_at = models.DateTimeField(db_default=models.functions.Now())
    device_kind = models.CharField(max_length=20)
    device_code = models.CharField(max_length=100)
    # The key in the kind's table (network_feeders or network_devices).
    device_id = models.BigIntegerField()
    from_state = models.CharField(max_length=10, choices=SwitchState)
    to_state = models.CharField(max_length=10, choices=SwitchState)
    source = models.CharField(
        max_length=20, choices=SwitchingSource, default=SwitchingSource.OPERATOR
    )
    source_event_id = models.CharField(max_length=300, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    operator = models.CharField(max_length=150, blank=True, default="")
    note = models.TextField(blank=True, default="")
    meters_de_energized = models.IntegerField(default=0)
    meters_energized = models.IntegerField(default=0)

    class Meta:
        db_table = "network_switching_log"
        ordering = ["-operated_at", "-id"]
        constraints = [
            choices_check("from_state", SwitchState),
            choices_check("to_state", SwitchState),
            choices_check("source", SwitchingSource),
        ]
        indexes = [
            models.Index(fields=["device_kind", "device_id"], name="switching_device_idx"),
            models.Index(fields=["-operated_at"], name="switching_operated_at_idx"),
        ]

    def __str__(self):
        return f"{self.device_kind} {self.device_code} {self.from_state}→{self.to_state}"


class SubstationMeter(models.Model):
    """Derived from DP → feeder → substation by `topology_rederive_meters()`.

    Derived rows, written a million at a time: no database foreign keys (the ORM still
    cascades deletes)."""

    substation = models.ForeignKey(Substation, on_delete=models.CASCADE, db_constraint=False)
    meter = models.ForeignKey("meters.Meter", on_delete=models.CASCADE, db_constraint=False)
    priority = models.IntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())

    class Meta:
        db_table = "network_substation_meters"
        ordering = ["substation", "priority", "meter"]
        constraints = [
            models.UniqueConstraint(fields=["substation", "meter"], name="substation_meter_unique")
        ]
        indexes = [models.Index(fields=["meter"], name="substation_meters_meter_idx")]


class FeederMeter(models.Model):
    """Derived from DP → feeder by `topology_rederive_meters()` (no database foreign keys, as
    for SubstationMeter)."""

    feeder = models.ForeignKey(Feeder, on_delete=models.CASCADE, db_constraint=False)
    meter = models.ForeignKey("meters.Meter", on_delete=models.CASCADE, db_constraint=False)
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())

    class Meta:
        db_table = "network_feeder_meters"
        ordering = ["feeder", "meter"]
        constraints = [
            models.UniqueConstraint(fields=["feeder", "meter"], name="feeder_meter_unique")
        ]
        indexes = [models.Index(fields=["meter"], name="feeder_meters_meter_idx")]
