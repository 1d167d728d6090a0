"""Admin for the network registry: substations, feeders, DPs and the derived meter mappings.

Built on the shared toolkit in `oms.admin`. Edits that change the DP hierarchy re-derive the
meters' topology through `topology.actions`.
"""

from __future__ import annotations

from django.contrib import admin

from oms.admin import (
    IndexedSearchMixin,
    LargeTableAdmin,
    ReadOnlyAdmin,
    RegistryImportExportAdmin,
    SaveChangedFieldsMixin,
    changelist_link,
    count_of,
)
from topology import actions
from topology.models import DistributionPoint, Feeder, FeederMeter, Substation, SubstationMeter
from topology.resources import DistributionPointResource, FeederResource, SubstationResource

# The meters point at the network (meters → topology); their model is reached through that
# relation, so topology imports nothing of the meters app.
Meter = FeederMeter._meta.get_field("meter").related_model

# --- The network registry -----------------------------------------------------------------------


class RederivesTopologyMixin(SaveChangedFieldsMixin):
    """After a steward's save that moves meters in the hierarchy, re-derive their topology.

    `hierarchy_fields` are the fields whose change moves meters (a meter's DP, a DP's feeder,
    a feeder's substation); `rederive_by` names the saved object to `rederive_meter_topology`
    (`meter_ids`, `dp_ids` or `feeder_ids`), which re-derives only the meters concerned.
    """

    hierarchy_fields: tuple[str, ...] = ()
    rederive_by: str = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if any(name in form.changed_data for name in self.hierarchy_fields):
            actions.rederive_meter_topology(**{self.rederive_by: [obj.pk]})


@admin.register(Substation)
class SubstationAdmin(RederivesTopologyMixin, RegistryImportExportAdmin):
    resource_classes = [SubstationResource]
    list_display = (
        "substation_id",
        "name",
        "status",
        "region_code",
        "voltage_level",
        "feeders",
        "meters",
    )
    list_display_links = ("substation_id", "name")
    list_filter = ("status", "region_code", "voltage_level")
    search_fields = ("substation_id", "name", "region_code")
    ordering = ("substation_id",)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(feeder_count=count_of(Feeder, "substation"))
            .annotate(meter_count=count_of(Meter, "substation"))
        )

    @admin.display(description="feeders", ordering="feeder_count")
    def feeders(self, obj):
        return changelist_link(Feeder, obj.feeder_count, substation__id__exact=obj.pk)

    @admin.display(description="meters")
    def meters(self, obj):
        return changelist_link(Meter, obj.meter_count, substation__id__exact=obj.pk)


@admin.register(Feeder)
class FeederAdmin(RederivesTopologyMixin, RegistryImportExportAdmin):
    resource_classes = [FeederResource]
    hierarchy_fields = ("substation",)
    rederive_by = "feeder_ids"
    list_display = (
        "feeder_id",
        "name",
        "substation_code",
        "status",
        "capacity_kva",
        "distribution_points",
        "meters",
    )
    list_display_links = ("feeder_id", "name")
    list_filter = ("status", "substation")
    list_select_related = ("substation",)
    search_fields = ("feeder_id", "name", "substation__substation_id")
    autocomplete_fields = ("substation",)
    ordering = ("feeder_id",)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(dp_count=count_of(DistributionPoint, "feeder"))
            .annotate(meter_count=count_of(Meter, "feeder"))
        )

    @admin.display(description="substation", ordering="substation__substation_id")
    def substation_code(self, obj):
        return obj.substation.substation_id

    @admin.display(description="DPs", ordering="dp_count")
    def distribution_points(self, obj):
        return changelist_link(DistributionPoint, obj.dp_count, feeder__id__exact=obj.pk)

    @admin.display(description="meters")
    def meters(self, obj):
        return changelist_link(Meter, obj.meter_count, feeder__id__exact=obj.pk)


@admin.register(DistributionPoint)
class DistributionPointAdmin(RederivesTopologyMixin, RegistryImportExportAdmin, LargeTableAdmin):
    resource_classes = [DistributionPointResource]
    hierarchy_fields = ("feeder",)
    rederive_by = "dp_ids"
    list_display = (
        "dp_id",
        "name",
        "feeder_code",
        "substation_code",
        "status",
        "building_id",
        "meters",
    )
    list_display_links = ("dp_id", "name")
    list_filter = ("status", "feeder__substation", "feeder")
    list_select_related = ("feeder__substation",)
    search_fields = ("dp_id", "name", "building_id", "feeder__feeder_id")
    search_help_text = "Code, name or building of the DP, or its feeder's code."
    autocomplete_fields = ("feeder",)
    ordering = ("dp_id",)
    sortable_by = ("dp_id", "name")
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meter_count=count_of(Meter, "dp"))

    @admin.display(description="feeder", ordering="feeder__feeder_id")
    def feeder_code(self, obj):
        return obj.feeder.feeder_id

    @admin.display(description="substation")
    def substation_code(self, obj):
        return obj.feeder.substation.substation_id

    @admin.display(description="meters")
    def meters(self, obj):
        return changelist_link(Meter, obj.meter_count, dp__id__exact=obj.pk)


class MeterMappingAdmin(IndexedSearchMixin, ReadOnlyAdmin):
    """The seed's device→meter mapping tables: derived by `topology_refresh_meter_mappings()`,
    so they are shown, never edited. Fix a meter's DP instead."""

    raw_id_fields = ("meter",)
    list_select_related = ("meter",)
    sortable_by = ()


@admin.register(SubstationMeter)
class SubstationMeterAdmin(MeterMappingAdmin):
    list_display = ("substation", "meter", "priority", "created_at")
    list_filter = ("substation",)
    list_select_related = ("substation", "meter")
    search_fields = ("meter__meter_number", "substation__substation_id")
    search_help_text = "Exact meter number or substation code."
    ordering = ("substation_id", "meter_id")


@admin.register(FeederMeter)
class FeederMeterAdmin(MeterMappingAdmin):
    list_display = ("feeder", "meter", "created_at")
    list_filter = ("feeder__substation", "feeder")
    list_select_related = ("feeder", "meter")
    search_fields = ("meter__meter_number", "feeder__feeder_id")
    search_help_text = "Exact meter number or feeder code."
    ordering = ("feeder_id", "meter_id")
