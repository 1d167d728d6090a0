"""Admin for customers, meters and the meters' status-event audit trail.

Meters and customers run to millions of rows: exact indexed search, estimated counts, raw-id
widgets for customers. A meter's DP is the steward's fact; its feeder and substation are derived
and shown read-only, and so is the engine-owned state (power, communication). The audit trail is
read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from meters.models import Customer, Meter, MeterStatusEvent
from meters.resources import CustomerResource, MeterResource
from oms.admin import (
    IndexedSearchMixin,
    LargeTableAdmin,
    ReadOnlyAdmin,
    RegistryImportExportAdmin,
    changelist_link,
    count_of,
)
from outages.models import OutageMeter, Provider
from topology.admin import RederivesTopologyMixin
from topology.models import FeederMeter, SubstationMeter


@admin.register(Customer)
class CustomerAdmin(IndexedSearchMixin, RegistryImportExportAdmin, LargeTableAdmin):
    resource_classes = [CustomerResource]
    list_display = ("customer_id", "name", "phone", "status", "building_id", "meters")
    list_display_links = ("customer_id", "name")
    list_filter = ("status",)
    search_fields = ("customer_id", "phone", "meters__meter_number")
    search_help_text = "Exact customer code, phone or meter number (several: separate by spaces)."
    ordering = ("customer_id",)
    sortable_by = ("customer_id",)
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meter_count=count_of(Meter, "customer"))

    @admin.display(description="meters")
    def meters(self, obj):
        return changelist_link(Meter, obj.meter_count, customer__id__exact=obj.pk)


@admin.register(Meter)
class MeterAdmin(
    RederivesTopologyMixin, IndexedSearchMixin, RegistryImportExportAdmin, LargeTableAdmin
):
    resource_classes = [MeterResource]
    hierarchy_fields = ("dp",)
    rederive_by = "meter_ids"
    list_display = (
        "meter_number",
        "meter_type",
        "status",
        "power_status",
        "communication_status",
        "customer",
        "dp_code",
        "feeder_code",
        "substation_code",
        "last_power_change",
    )
    list_filter = (
        "status",
        "power_status",
        "communication_status",
        "meter_type",
        "substation",
        "feeder",
    )
    list_select_related = ("customer", "dp", "feeder", "substation")
    search_fields = (
        "meter_number",
        "asset_mrid",
        "usage_point_mrid",
        "onu_id",
        "customer__customer_id",
        "customer__phone",
        "dp__dp_id",
    )
    search_help_text = (
        "Exact meter number, KAIFA asset or usage-point mRID, ONU id, customer code or phone, "
        "or DP code (several: separate by spaces or commas)."
    )
    raw_id_fields = ("customer",)
    autocomplete_fields = ("dp",)
    ordering = ("meter_number",)
    sortable_by = ("meter_number",)
    readonly_fields = (
        "feeder",
        "substation",
        "power_status",
        "communication_status",
        "last_power_change",
        "last_communication",
        "history",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("meter_number", "meter_type", "status", "customer", "dp")}),
        (
            "Derived from the DP",
            {"fields": ("feeder", "substation"), "description": "Follows the DP on save."},
        ),
        ("Head-end identifiers", {"fields": ("asset_mrid", "usage_point_mrid", "onu_id")}),
        ("ONU", {"fields": ("onu_serial_no",)}),
        ("Location", {"fields": ("location_lat", "location_lng", "building_id")}),
        (
            "State (kept by the engine from provider evidence)",
            {
                "fields": (
                    "power_status",
                    "communication_status",
                    "last_power_change",
                    "last_communication",
                    "history",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @admin.display(description="DP", ordering="dp__dp_id")
    def dp_code(self, obj):
        return obj.dp.dp_id if obj.dp else "-"

    @admin.display(description="feeder")
    def feeder_code(self, obj):
        return obj.feeder.feeder_id if obj.feeder else "-"

    @admin.display(description="substation")
    def substation_code(self, obj):
        return obj.substation.substation_id if obj.substation else "-"

    @admin.display(description="history")
    def history(self, obj):
        if not obj.pk:
            return "-"
        events = changelist_link(MeterStatusEvent, "status events", meter__id__exact=obj.pk)
        outages = changelist_link(OutageMeter, "outages", meter__id__exact=obj.pk)
        return format_html("{} · {}", events, outages)

    def get_deleted_objects(self, objs, request):
        # The derived mapping rows go with their meter; the audit trail (status events, outage
        # links) is read-only, so a meter with history cannot be deleted: decommission it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed -= {SubstationMeter._meta.verbose_name, FeederMeter._meta.verbose_name}
        return deleted, counts, perms_needed, protected


class SourceTypeFilter(admin.SimpleListFilter):
    """The providers, listed from their choices rather than a DISTINCT over the whole log."""

    title = "source"
    parameter_name = "source_type"

    def lookups(self, request, model_admin):
        return Provider.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(source_type=self.value())
        return queryset


@admin.register(MeterStatusEvent)
class MeterStatusEventAdmin(IndexedSearchMixin, ReadOnlyAdmin):
    list_display = (
        "event_timestamp",
        "meter",
        "previous_status",
        "new_status",
        "applied",
        "event_type",
        "source_type",
        "source_event_id",
        "created_at",
    )
    list_filter = (
        "new_status",
        "previous_status",
        "applied",
        SourceTypeFilter,
        ("event_timestamp", admin.DateFieldListFilter),
    )
    list_select_related = ("meter",)
    search_fields = ("meter__meter_number",)
    search_help_text = "Exact meter number (several: separate by spaces or commas)."
    raw_id_fields = ("meter",)
    # Newest recorded first, straight off the primary key index.
    ordering = ("-id",)
    sortable_by = ()
