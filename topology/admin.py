"""Admin for the network registry: substations, feeders, DPs and the derived meter mappings.

The first part holds what every app's admin uses for tables of millions of rows (meters, their
status events, outage logs): a paginator that does not count them, search that an index answers,
and a read-only base for logs. Edits that change the DP hierarchy re-derive the meters' topology
through `topology.actions`.
"""

from __future__ import annotations

import re

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from meters.models import Meter
from topology import actions
from topology.models import DistributionPoint, Feeder, FeederMeter, Substation, SubstationMeter
from topology.resources import DistributionPointResource, FeederResource, SubstationResource

# --- Shared by every app's admin ----------------------------------------------------------------

_ESTIMATE_SQL = """
SELECT CASE WHEN c.relkind = 'p' THEN
           (SELECT sum(greatest(p.reltuples, 0)) FROM pg_inherits i
              JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid)
       ELSE c.reltuples END
  FROM pg_class c WHERE c.oid = to_regclass(%s)
"""


def estimated_row_count(model, using: str = "default") -> int:
    """PostgreSQL's estimate of a table's rows (-1 when it has never been analysed)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_ESTIMATE_SQL, [connection.ops.quote_name(model._meta.db_table)])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else -1


class EstimatedCountPaginator(Paginator):
    """Pages a changelist without counting millions of rows.

    Unfiltered, a big table's size is PostgreSQL's estimate (`pg_class.reltuples`, kept fresh by
    autovacuum); a table estimated below `exact_below` rows is counted exactly. Filtered or
    searched (or never analysed), rows are counted up to `count_limit` and no further.
    `count_qualifier` ("about", "more than" or "") tells templates/admin/pagination.html how to
    print the number.
    """

    exact_below = 100_000
    count_limit = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_qualifier = ""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        query = queryset.query
        if not query.where and not query.combinator and not query.is_sliced:
            estimate = estimated_row_count(queryset.model, queryset.db)
            if estimate >= self.exact_below:
                self.count_qualifier = "about"
                return estimate
            if estimate >= 0:
                return super().count  # a small table: counted exactly, cheaply
        # Filtered, or a table never analysed (size unknown): count as far as the limit.
        bounded = queryset.order_by().select_related(None).values("pk")[: self.count_limit + 1]
        count = bounded.count()
        if count > self.count_limit:
            self.count_qualifier = "more than"
            return self.count_limit
        return count


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist for a table of millions of rows: no exact counts, no facet counts."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


_SEARCH_SEPARATORS = re.compile(r"[\s,;]+")


class IndexedSearchMixin:
    """Search as exact values, one indexed lookup per search field, united.

    Django's default search ORs `icontains` over every field into one WHERE: on a table of
    millions of rows, and through joins (a customer's phone), that is a sequential scan per
    search. Here each entry of `search_fields` is an ORM path matched exactly (`__in`), each
    as its own query an index answers, and the ids are united. Several values may be pasted at
    once, separated by spaces, commas or semicolons.
    """

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        values = [value for value in _SEARCH_SEPARATORS.split(term) if value]
        if term not in values:
            values.append(term)  # a value with spaces in it, e.g. a phone number
        base = queryset.model._default_manager.order_by()
        arms = []
        for path in self.get_search_fields(request):
            try:
                arms.append(base.filter(**{f"{path.lstrip('=^')}__in": values}).values("pk"))
            except (ValueError, ValidationError):
                continue  # a value that cannot be of this field's type (text for a number)
        if not arms:
            return queryset.none(), False
        first, *rest = arms
        return queryset.filter(pk__in=first.union(*rest) if rest else first), False


class ReadOnlyAdmin(LargeTableAdmin):
    """An append-only log: viewable, searchable, never added to, edited or deleted by hand.

    Corrections are new events through the engine, not edits.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SaveChangedFieldsMixin:
    """An admin save writes only the fields the form changed.

    A full-row save would write back what the form loaded for every column, overwriting what
    the engine wrote meanwhile (a meter's power status, an outage's counters).
    """

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        changed = [name for name in form.changed_data if name in form.base_fields]
        if not changed:
            return
        if any(field.name == "updated_at" for field in obj._meta.concrete_fields):
            changed.append("updated_at")
        obj.save(update_fields=changed)


def count_of(model, fk: str):
    """A per-row count of `model` rows pointing here, as a correlated subquery.

    Evaluated for the rows of one changelist page only, through the foreign key's index.
    """
    rows = (
        model._default_manager.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def changelist_link(model, label, **filters) -> str:
    """A link to `model`'s changelist filtered by `filters` (e.g. `dp__id__exact=3`)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


class RegistryImportExportAdmin(ImportExportModelAdmin):
    """CSV import/export (django-import-export) of a registry table of any size."""

    def get_valid_export_item_pks(self, request):
        # The "export selected" action checks the posted ids against this list; the library's
        # default lists every id of the table (millions of meters) to check a handful.
        posted = request.POST.getlist("export_items")
        return self.get_queryset(request).filter(pk__in=posted).values_list("pk", flat=True)


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
