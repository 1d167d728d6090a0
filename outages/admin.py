"""Admin for outages and their evidence logs.

Outages belong to the engine: the admin shows them, lets an operator annotate the description,
and leaves status, counters, device and times alone; its lifecycle actions (confirm, in progress,
cancel) go through `outages.actions`, which keeps the timeline and pushes to dashboards. The
sources, timeline and outage↔meter links are read-only logs. The rules (rule sets) are in
`admin_rules`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html_join

from oms.admin import (
    IndexedSearchMixin,
    LargeTableAdmin,
    ReadOnlyAdmin,
    SaveChangedFieldsMixin,
    changelist_link,
)
from outages import actions as outage_actions
from outages.models import (
    ACTIVE_STATUSES,
    Outage,
    OutageMeter,
    OutageSource,
    OutageStatus,
    TimelineEntry,
)


class FirstRowsFormSet(BaseInlineFormSet):
    """An inline that shows the first `max_rows` rows only (an outage may have thousands)."""

    max_rows = 50

    def get_queryset(self):
        if not hasattr(self, "_first_rows"):
            self._first_rows = super().get_queryset()[: self.max_rows]
        return self._first_rows


class ReadOnlyInline(admin.TabularInline):
    formset = FirstRowsFormSet
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutageSourceInline(ReadOnlyInline):
    model = OutageSource
    fields = ("event_timestamp", "source_type", "source_event_id", "weight")
    verbose_name_plural = "sources (first 50; all under “evidence” above)"


class TimelineEntryInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ("event_timestamp", "event_type", "status", "actor", "description")
    verbose_name_plural = "timeline (first 50; all under “evidence” above)"


class ActiveFilter(admin.SimpleListFilter):
    title = "active"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("yes", "active (detected, confirmed, in progress)"), ("no", "ended"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=ACTIVE_STATUSES)
        if self.value() == "no":
            return queryset.exclude(status__in=ACTIVE_STATUSES)
        return queryset


# Everything an outage carries that the engine owns: shown, never edited here.
ENGINE_OWNED = (
    "event_id",
    "event_type",
    "status",
    "scope",
    "device",
    "substation",
    "feeder",
    "dp",
    "meter",
    "severity",
    "confidence_score",
    "affected_meters_count",
    "restored_meters_count",
    "affected_customers_count",
    "first_detected_at",
    "estimated_restoration_time",
    "actual_restoration_time",
    "root_cause",
    "crew",
    "merged_into",
    "evidence",
    "created_at",
    "updated_at",
)


@admin.register(Outage)
class OutageAdmin(SaveChangedFieldsMixin, LargeTableAdmin):
    list_display = (
        "event_id",
        "status",
        "scope",
        "device",
        "severity",
        "confidence_score",
        "affected_customers_count",
        "affected_meters_count",
        "first_detected_at",
        "actual_restoration_time",
    )
    list_filter = (
        ActiveFilter,
        "status",
        "scope",
        "event_type",
        "severity",
        ("first_detected_at", admin.DateFieldListFilter),
        "substation",
        "feeder",
    )
    list_select_related = ("substation", "feeder", "dp", "meter")
    search_fields = ("event_id", "root_cause")
    search_help_text = "Event id or words of the root cause."
    ordering = ("-first_detected_at", "-id")
    sortable_by = (
        "event_id",
        "first_detected_at",
        "confidence_score",
        "affected_customers_count",
        "affected_meters_count",
    )
    readonly_fields = ENGINE_OWNED
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "event_id",
                    "event_type",
                    "status",
                    "scope",
                    "device",
                    "severity",
                    "confidence_score",
                )
            },
        ),
        (
            "Where",
            {"fields": ("substation", "feeder", "dp", "meter", "merged_into")},
        ),
        (
            "Customers and meters (counted by the engine)",
            {
                "fields": (
                    "affected_customers_count",
                    "affected_meters_count",
                    "restored_meters_count",
                )
            },
        ),
        (
            "Times",
            {
                "fields": (
                    "first_detected_at",
                    "estimated_restoration_time",
                    "actual_restoration_time",
                )
            },
        ),
        ("Cause and notes", {"fields": ("root_cause", "crew", "description")}),
        ("Evidence", {"fields": ("evidence", "created_at", "updated_at")}),
    )
    inlines = (OutageSourceInline, TimelineEntryInline)

    # Lifecycle moves are admin actions that only adapt: the rules (legal moves, timeline,
    # pushes) stay in outages.actions.transition_outage, as for the REST door.
    actions = ("confirm_outages", "start_work_on_outages", "cancel_outages")

    @admin.action(description="Confirm the selected outages", permissions=["change"])
    def confirm_outages(self, request, queryset):
        self.apply_lifecycle_action(request, queryset, OutageStatus.CONFIRMED)

    @admin.action(description="Mark the selected outages in progress", permissions=["change"])
    def start_work_on_outages(self, request, queryset):
        self.apply_lifecycle_action(request, queryset, OutageStatus.IN_PROGRESS)

    @admin.action(description="Cancel the selected outages", permissions=["change"])
    def cancel_outages(self, request, queryset):
        self.apply_lifecycle_action(request, queryset, OutageStatus.CANCELLED)

    def has_add_permission(self, request):
        return False  # outages are opened by the engine from evidence

    def has_delete_permission(self, request, obj=None):
        return False  # an outage is a record: cancel it, never delete it

    @admin.display(description="device")
    def device(self, obj):
        device = {
            "substation": obj.substation,
            "feeder": obj.feeder,
            "dp": obj.dp,
            "meter": obj.meter,
        }.get(obj.scope)
        return str(device) if device else f"{obj.scope} #{obj.device_id}"

    @admin.display(description="evidence")
    def evidence(self, obj):
        if not obj.pk:
            return "-"
        links = [
            changelist_link(model, label, outage__id__exact=obj.pk)
            for model, label in (
                (OutageSource, f"{obj.source_count} sources"),
                (TimelineEntry, f"{obj.timeline.count()} timeline entries"),
                (OutageMeter, f"{obj.outage_meters.count()} meters"),
            )
        ]
        # format_html_join keeps the links' markup and escapes nothing else in between.
        return format_html_join(" · ", "{}", ((link,) for link in links))

    def apply_lifecycle_action(self, request, queryset, status: str) -> None:
        """Move each selected outage to `status` through the engine (each in its own
        transaction), and tell the user which moved and which the engine refused, and why."""
        moved, already, refused = [], [], []
        actor = request.user.get_username()
        for event_id, current in queryset.order_by("pk").values_list("event_id", "status"):
            if current == status:
                already.append(event_id)
                continue
            try:
                outage_actions.transition_outage(event_id=event_id, status=status, actor=actor)
            except outage_actions.IllegalTransition as exc:
                refused.append(str(exc))
            except outage_actions.OutageNotFound:
                refused.append(f"{event_id} no longer exists")
            else:
                moved.append(event_id)
        label = OutageStatus(status).label.lower()
        if moved:
            self.message_user(request, f"{label}: {', '.join(moved)}", messages.SUCCESS)
        if already:
            self.message_user(request, f"already {label}: {', '.join(already)}", messages.INFO)
        if refused:
            self.message_user(request, f"refused: {'; '.join(refused)}", messages.ERROR)


class OutageLogAdmin(IndexedSearchMixin, ReadOnlyAdmin):
    raw_id_fields = ("outage",)
    list_select_related = ("outage",)
    ordering = ("-id",)
    sortable_by = ()


@admin.register(OutageSource)
class OutageSourceAdmin(OutageLogAdmin):
    list_display = (
        "event_timestamp",
        "outage",
        "source_type",
        "source_event_id",
        "weight",
        "created_at",
    )
    list_filter = ("source_type", ("event_timestamp", admin.DateFieldListFilter))
    search_fields = ("outage__event_id", "source_event_id")
    search_help_text = "Exact outage event id or source event id."


@admin.register(TimelineEntry)
class TimelineEntryAdmin(OutageLogAdmin):
    list_display = ("event_timestamp", "outage", "event_type", "status", "actor", "description")
    list_filter = (("event_timestamp", admin.DateFieldListFilter),)
    search_fields = ("outage__event_id",)
    search_help_text = "Exact outage event id."


class RestoredFilter(admin.SimpleListFilter):
    title = "restored"
    parameter_name = "restored"

    def lookups(self, request, model_admin):
        return (("yes", "restored"), ("no", "still off"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(restored_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutageMeter)
class OutageMeterAdmin(OutageLogAdmin):
    list_display = ("outage", "meter", "off_at", "restored_at", "inferred")
    list_filter = (RestoredFilter, "inferred", ("off_at", admin.DateFieldListFilter))
    list_select_related = ("outage", "meter")
    raw_id_fields = ("outage", "meter")
    search_fields = ("outage__event_id", "meter__meter_number")
    search_help_text = "Exact outage event id or meter number."


# The devices and the switching log (operating a device is an outage-engine action), and the
# rule sets with their rules and the log of their switches.
from outages import admin_rules, admin_switching  # noqa: E402, F401
