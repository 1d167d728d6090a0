"""Filters of the meter list: by device code, status fields and a search over the meter's ids."""

import django_filters
from django.db.models import Q

from meters.models import CommunicationStatus, Meter, MeterStatus, MeterType, PowerStatus


class MeterFilterSet(django_filters.FilterSet):
    substation = django_filters.CharFilter(
        field_name="substation__substation_id", help_text="substation code"
    )
    feeder = django_filters.CharFilter(field_name="feeder__feeder_id", help_text="feeder code")
    dp = django_filters.CharFilter(field_name="dp__dp_id", help_text="distribution point code")
    power_status = django_filters.ChoiceFilter(choices=PowerStatus.choices)
    communication_status = django_filters.ChoiceFilter(choices=CommunicationStatus.choices)
    meter_type = django_filters.ChoiceFilter(choices=MeterType.choices)
    status = django_filters.ChoiceFilter(choices=MeterStatus.choices)
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="part of a meter number; or an asset or usage-point mRID, ONU id or serial",
    )

    class Meta:
        model = Meter
        fields = [
            "substation",
            "feeder",
            "dp",
            "power_status",
            "communication_status",
            "meter_type",
            "status",
            "search",
        ]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(meter_number__icontains=value)
            | Q(asset_mrid__iexact=value)
            | Q(usage_point_mrid__iexact=value)
            | Q(onu_id__iexact=value)
            | Q(onu_serial_no__iexact=value)
        )
