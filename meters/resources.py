"""CSV import/export of customers and meters for data stewards (django-import-export).

Columns are those of the grid's customers.csv and meters.csv; a meter row is keyed by
`meter_number` and names its customer and DP by code. Engine-owned state (power and
communication status, derived feeder and substation) is exported for reading and never imported.
"""

from __future__ import annotations

from import_export import fields

from meters.models import Customer, Meter
from topology.models import DistributionPoint
from topology.resources import (
    NullableTextWidget,
    RegistryResource,
    TextWidget,
    choice_field,
    code_field,
)


class CustomerResource(RegistryResource):
    customer_id = fields.Field("customer_id", "customer_id", widget=TextWidget())
    phone = fields.Field("phone", "phone", widget=TextWidget())
    status = choice_field("status")

    class Meta(RegistryResource.Meta):
        model = Customer
        import_id_fields = ("customer_id",)
        fields = (
            "customer_id",
            "name",
            "phone",
            "address",
            "building_id",
            "location_lat",
            "location_lng",
            "status",
        )


def _derived(column: str, attribute: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, readonly=True)


class MeterResource(RegistryResource):
    rederive_by = "meter_ids"  # the DP is the fact; feeder, substation and mappings follow

    meter_number = fields.Field("meter_number", "meter_number", widget=TextWidget())
    meter_type = choice_field("meter_type")
    status = choice_field("status")
    customer = code_field("customer_id", "customer", Customer, "customer_id")
    dp = code_field("dp_id", "dp", DistributionPoint, "dp_id")
    asset_mrid = fields.Field("asset_mrid", "asset_mrid", widget=NullableTextWidget())
    usage_point_mrid = fields.Field(
        "usage_point_mrid", "usage_point_mrid", widget=NullableTextWidget()
    )
    onu_id = fields.Field("onu_id", "onu_id", widget=NullableTextWidget())
    onu_serial_no = fields.Field("onu_serial_no", "onu_serial_no", widget=NullableTextWidget())
    # Export only: derived topology and the engine's view of the meter.
    feeder_code = _derived("feeder_id", "feeder__feeder_id")
    substation_code = _derived("substation_id", "substation__substation_id")
    power_status = _derived("power_status", "power_status")
    communication_status = _derived("communication_status", "communication_status")
    last_communication = _derived("last_communication", "last_communication")
    last_power_change = _derived("last_power_change", "last_power_change")

    class Meta(RegistryResource.Meta):
        model = Meter
        import_id_fields = ("meter_number",)
        fields = (
            "meter_number",
            "meter_type",
            "customer",
            "dp",
            "location_lat",
            "location_lng",
            "building_id",
            "asset_mrid",
            "usage_point_mrid",
            "onu_id",
            "onu_serial_no",
            "status",
            "feeder_code",
            "substation_code",
            "power_status",
            "communication_status",
            "last_communication",
            "last_power_change",
        )

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "dp", "feeder", "substation")
