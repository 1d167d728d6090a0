"""The network: substation → feeder → distribution point, and the device→meter mappings."""

from django.db import models

from oms.models import Timestamped, choices_check


class DeviceStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    MAINTENANCE = "maintenance"


class Substation(Timestamped):
    substation_id = models.CharField("code", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    location_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    region_code = models.CharField(max_length=20, blank=True, default="")
    voltage_level = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=20, choices=DeviceStatus, default=DeviceStatus.ACTIVE)

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

    class Meta:
        db_table = "network_feeders"
        ordering = ["feeder_id"]
        constraints = [choices_check("status", DeviceStatus)]

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

    class Meta:
        db_table = "network_distribution_points"
        ordering = ["dp_id"]
        verbose_name = "distribution point"
        constraints = [choices_check("status", DeviceStatus)]

    def __str__(self):
        return f"{self.dp_id} {self.name}"


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
