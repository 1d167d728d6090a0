"""Admin for the network's devices and the switching log.

Registered by the outages app, not topology: opening or closing a device here runs
`outages.actions.operate_device` (the meters and planned outages follow), and topology imports
nothing from the engine. The switching log is read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models.expressions import RawSQL

from oms.admin import ReadOnlyAdmin
from outages import actions as outage_actions
from topology.actions import SwitchingRefused
from topology.devices import DeviceNotFound
from topology.models import Device, SwitchingOperation

# What a device feeds now: the active meters (and their customers) of the DPs on the sections
# whose derived path holds it; correlated per row of one changelist page (GIN on the path).
# What a device feeds: the sections below it (GIN on the path) and their counts, kept by the
# meters app's trigger (meters_count_sections), so a page of devices reads no meter.
_DOWNSTREAM = """
    (SELECT coalesce(sum(s.{what}), 0) FROM network_sections s
      WHERE s.path @> ARRAY[network_devices.id])
"""


def _operate(modeladmin, request, queryset, action: str) -> None:
    done, refused = [], []
    for device in queryset.order_by("kind", "code"):
        try:
            outage_actions.operate_device(
                kind=device.kind, code=device.code, action=action, user=request.user,
                note="admin",
            )  # fmt: skip
            done.append(device.code)
        except (SwitchingRefused, DeviceNotFound) as exc:
            refused.append(str(exc))
    if done:
        modeladmin.message_user(request, f"{action.capitalize()}ed: {', '.join(done)}.")
    for reason in refused:
        modeladmin.message_user(request, reason, level=messages.WARNING)


@admin.action(description="Open the selected devices", permissions=["change"])
def open_devices(modeladmin, request, queryset):
    _operate(modeladmin, request, queryset, "open")


@admin.action(description="Close the selected devices", permissions=["change"])
def close_devices(modeladmin, request, queryset):
    _operate(modeladmin, request, queryset, "close")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "kind",
        "code",
        "name",
        "state",
        "normal_state",
        "telemetered",
        "energized",
        "feeder_code",
        "parent",
        "meters_downstream",
        "customers_downstream",
    )
    list_display_links = ("code",)
    list_filter = ("kind", "state", "normal_state", "telemetered", "energized")
    list_select_related = ("feeder", "upstream_section__fed_through")
    search_fields = ("code", "name")
    search_help_text = "Code or name of the device."
    ordering = ("kind", "code")
    actions = [open_devices, close_devices]
    # State is operated (actions above), the rest derived: stewards edit names and places only.
    readonly_fields = (
        "state",
        "feeder",
        "energized",
        "upstream_section",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("section_a", "section_b")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                meters_below=RawSQL(_DOWNSTREAM.format(what="meters_count"), []),
                customers_below=RawSQL(_DOWNSTREAM.format(what="customers_count"), []),
            )
        )

    @admin.display(description="feeder", ordering="feeder__feeder_id")
    def feeder_code(self, obj):
        return obj.feeder.feeder_id if obj.feeder else "—"

    @admin.display(description="parent")
    def parent(self, obj):
        fed_through = obj.upstream_section.fed_through if obj.upstream_section else None
        if fed_through is not None:
            return f"{fed_through.kind} {fed_through.code}"
        return f"feeder {obj.feeder.feeder_id}" if obj.feeder else "—"

    @admin.display(description="meters below", ordering="meters_below")
    def meters_downstream(self, obj):
        return obj.meters_below

    @admin.display(description="customers below", ordering="customers_below")
    def customers_downstream(self, obj):
        return obj.customers_below


@admin.register(SwitchingOperation)
class SwitchingOperationAdmin(ReadOnlyAdmin):
    list_display = (
        "operated_at",
        "device_kind",
        "device_code",
        "from_state",
        "to_state",
        "source",
        "operator",
        "meters_de_energized",
        "meters_energized",
        "note",
    )
    list_filter = ("device_kind", "source", "to_state")
    search_fields = ("device_code", "operator", "note")
    ordering = ("-operated_at", "-id")
