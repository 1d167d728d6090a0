"""The admin toolkit every app's admin uses for tables of millions of rows (meters, their status
events, outage logs): a paginator that does not count them, search that an index answers, a
read-only base for logs, saves that write only what the form changed, and CSV import/export;
and the admin of API tokens (prefix and scopes shown, a new or rotated key only once).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from oms.models import ApiToken, Scope
from oms.tokens import new_key

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


class ReadOnlyMixin:
    """Nothing is added, edited or deleted by hand: corrections are new events through the
    engine, not edits."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, LargeTableAdmin):
    """An append-only log: viewable, searchable, never added to, edited or deleted by hand."""


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


# --- API tokens -----------------------------------------------------------------------------


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "is_active"]


@admin.action(description="Deactivate the selected tokens")
def deactivate_tokens(modeladmin, request, queryset):
    queryset.update(is_active=False)


@admin.action(description="Rotate the selected tokens (new keys, old ones stop working)")
def rotate_tokens(modeladmin, request, queryset):
    for token in queryset:
        key, stored = new_key()
        ApiToken.objects.filter(pk=token.pk).update(**stored)
        _show_key_once(modeladmin, request, token, key, "rotated")


def _show_key_once(modeladmin, request, token, key: str, what: str) -> None:
    modeladmin.message_user(
        request, f"Token {token.name!r} {what}. Its key, shown only now: {key}", messages.WARNING
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Only a key's hash is kept; the key itself is shown once, in the confirmation message."""

    form = ApiTokenForm
    list_display = ["name", "prefix", "scopes", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = [deactivate_tokens, rotate_tokens]

    def save_model(self, request, obj, form, change):
        obj.scopes = sorted(set(form.cleaned_data.get("scopes") or []))
        if not change:
            key, stored = new_key()
            obj.key_hash, obj.prefix = stored["key_hash"], stored["prefix"]
            _show_key_once(self, request, obj, key, "created")
        super().save_model(request, obj, form, change)
