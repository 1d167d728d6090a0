"""CSV import/export of the network registry for data stewards (django-import-export).

Rows are keyed by business codes and use the columns of the grid CSVs (`import_grid`), so a file
exported here loads through either door. Whole-grid loads belong to `manage.py import_grid`
(COPY speed); these resources serve a steward's corrections of hundreds or thousands of rows,
with the import-export preview (dry run) and confirm step.
"""

from __future__ import annotations

from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from topology import actions
from topology.models import DistributionPoint, Feeder, Substation


class TextWidget(widgets.CharWidget):
    """Text with the spreadsheet's stray spaces removed; blank is ``""``."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return value.strip() if isinstance(value, str) else value


class NullableTextWidget(TextWidget):
    """Blank is NULL: for optional identifiers under a unique constraint (mRIDs, ONU ids)."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) or None


class ChoiceWidget(TextWidget):
    """A choice value, matched case-insensitively (`Smart` is `smart`); blank is None, which
    `choice_field` leaves unset: a new row takes the model's default, an existing row keeps its
    value."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).lower() or None


def choice_field(column: str) -> fields.Field:
    return fields.Field(column, column, widget=ChoiceWidget(), saves_null_values=False)


class CodeWidget(widgets.ForeignKeyWidget):
    """A parent referenced by its business code; an unknown code is a row error, not a crash."""

    def clean(self, value, row=None, **kwargs):
        code = str(value).strip() if value is not None else ""
        if not code:
            return None
        try:
            return self.get_queryset(code, row, **kwargs).get(**{self.field: code})
        except self.model.DoesNotExist:
            raise ValueError(f"{code!r} is not in the registry") from None


def code_field(column: str, attribute: str, model, code_field_name: str) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column, widget=CodeWidget(model, field=code_field_name)
    )


class RegistryResource(resources.ModelResource):
    """What every registry resource shares.

    - rows are validated (`full_clean`) so a bad value is reported on its row;
    - unchanged rows are skipped, so re-importing an export changes nothing;
    - an update writes only the columns the file carries, never the engine-owned ones (a meter's
      power status may change while a steward's import runs);
    - after a real import that touched the DP hierarchy, the derived topology of the meters
      concerned is re-derived: `rederive_by` names them to `rederive_meter_topology` (the
      imported meters, the meters of the imported DPs, of the imported feeders).
    """

    rederive_by: str | None = None

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        instance_loader_class = CachedInstanceLoader

    def get_import_fields(self):
        # Export-only columns (derived, engine-owned) are neither offered nor compared on import.
        return [field for field in super().get_import_fields() if not field.readonly]

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        self._update_fields = [
            field.attribute
            for field in self.get_import_fields()
            if field.attribute and "__" not in field.attribute and field.column_name in row
        ]
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            self._update_fields.append("updated_at")

    def do_instance_save(self, instance, is_create):
        if is_create:
            instance.save(force_insert=True)
        else:
            instance.save(update_fields=self._update_fields)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not self.rederive_by or self._is_dry_run(kwargs) or result.has_errors():
            return
        written = (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)
        pks = [row.object_id for row in result.rows if row.import_type in written]
        if pks:
            actions.rederive_meter_topology(**{self.rederive_by: pks})


class SubstationResource(RegistryResource):
    substation_id = fields.Field("substation_id", "substation_id", widget=TextWidget())
    status = choice_field("status")

    class Meta(RegistryResource.Meta):
        model = Substation
        import_id_fields = ("substation_id",)
        fields = (
            "substation_id",
            "name",
            "location_lat",
            "location_lng",
            "region_code",
            "voltage_level",
            "status",
        )


class FeederResource(RegistryResource):
    rederive_by = "feeder_ids"  # a feeder moved to another substation moves its meters

    feeder_id = fields.Field("feeder_id", "feeder_id", widget=TextWidget())
    substation = code_field("substation_id", "substation", Substation, "substation_id")
    status = choice_field("status")

    class Meta(RegistryResource.Meta):
        model = Feeder
        import_id_fields = ("feeder_id",)
        fields = (
            "feeder_id",
            "substation",
            "name",
            "location_lat",
            "location_lng",
            "capacity_kva",
            "status",
        )

    def get_queryset(self):
        return super().get_queryset().select_related("substation")


class DistributionPointResource(RegistryResource):
    rederive_by = "dp_ids"  # a DP moved to another feeder moves its meters

    dp_id = fields.Field("dp_id", "dp_id", widget=TextWidget())
    feeder = code_field("feeder_id", "feeder", Feeder, "feeder_id")
    status = choice_field("status")

    class Meta(RegistryResource.Meta):
        model = DistributionPoint
        import_id_fields = ("dp_id",)
        fields = (
            "dp_id",
            "feeder",
            "name",
            "location_lat",
            "location_lng",
            "building_id",
            "status",
        )

    def get_queryset(self):
        return super().get_queryset().select_related("feeder")
