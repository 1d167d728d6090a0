"""Admin for data stewards: raw provider events (read-only, searchable, unmatched ones replayable)
and provider vocabularies (editable). API tokens are in oms/admin.py."""

from __future__ import annotations

from django.contrib import admin, messages

from ingest import actions
from ingest.models import (
    CallCenterTicket,
    KaifaEvent,
    OnuEvent,
    ProcessingStatus,
    ScadaEvent,
    VocabularyTerm,
)
from oms.admin import ReadOnlyMixin


@admin.action(description="Replay the selected unmatched events")
def replay_selected(modeladmin, request, queryset):
    provider = next(name for name, model in actions.RAW_MODELS.items() if model is queryset.model)
    ids = list(
        queryset.filter(processing_status=ProcessingStatus.UNMATCHED).values_list("pk", flat=True)
    )
    if not ids:
        modeladmin.message_user(request, "None of the selected events is unmatched.", messages.INFO)
        return
    report = actions.replay_unmatched(provider=provider, ids=ids)
    modeladmin.message_user(
        request,
        f"Replayed {report['replayed']}: {report['processed']} processed, "
        f"{report['ignored']} ignored, {report['unmatched']} still unmatched.",
        messages.SUCCESS if report["processed"] else messages.WARNING,
    )


class RawEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Raw events are evidence: nobody edits them; unmatched ones can be replayed."""

    date_hierarchy = "event_timestamp"
    list_filter = ["processing_status", "evidence"]
    search_fields = ["source_event_id"]
    raw_id_fields = ["outage_event"]
    list_select_related = ["outage_event"]
    show_full_result_count = False
    actions = [replay_selected]
    common_display = ["source_event_id", "event_timestamp", "evidence", "processing_status"]

    @admin.display(description="outage")
    def outage(self, obj):
        return obj.outage_event.event_id if obj.outage_event_id else "—"


@admin.register(ScadaEvent)
class ScadaEventAdmin(RawEventAdmin):
    list_display = [*RawEventAdmin.common_display, "event_type", "substation_id", "feeder_id"]
    list_display += ["device_kind", "device_code", "outage", "note"]
    list_filter = [*RawEventAdmin.list_filter, "event_type", "severity", "device_kind"]
    search_fields = ["source_event_id", "substation_id", "feeder_id", "device_code"]


@admin.register(OnuEvent)
class OnuEventAdmin(RawEventAdmin):
    list_display = [*RawEventAdmin.common_display, "event_type", "onu_id", "outage"]
    list_filter = [*RawEventAdmin.list_filter, "event_type"]
    search_fields = ["source_event_id", "onu_id", "onu_serial"]


@admin.register(KaifaEvent)
class KaifaEventAdmin(RawEventAdmin):
    list_display = [*RawEventAdmin.common_display, "event_type_ref", "asset_mrid", "outage"]
    list_filter = [*RawEventAdmin.list_filter, "event_type_ref"]
    search_fields = ["source_event_id", "message_id", "asset_mrid", "usage_point_mrid"]


@admin.register(CallCenterTicket)
class CallCenterTicketAdmin(RawEventAdmin):
    list_display = [*RawEventAdmin.common_display, "meter_number", "phone", "outage"]
    search_fields = ["source_event_id", "meter_number", "phone", "intake_id"]


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ["provider", "field", "code", "evidence", "description"]
    list_filter = ["provider", "field", "evidence"]
    list_editable = ["evidence"]
    search_fields = ["code", "description"]
