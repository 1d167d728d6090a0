"""Filters of the device lists (substations, feeders, distribution points) by parent code."""

import django_filters

from topology.models import DeviceStatus, DistributionPoint, Feeder, Substation


class SubstationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices)
    region = django_filters.CharFilter(field_name="region_code", lookup_expr="iexact")

    class Meta:
        model = Substation
        fields = ["status", "region"]


class FeederFilterSet(django_filters.FilterSet):
    substation = django_filters.CharFilter(
        field_name="substation__substation_id", help_text="substation code"
    )
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices)

    class Meta:
        model = Feeder
        fields = ["substation", "status"]


class DistributionPointFilterSet(django_filters.FilterSet):
    feeder = django_filters.CharFilter(field_name="feeder__feeder_id", help_text="feeder code")
    substation = django_filters.CharFilter(
        field_name="feeder__substation__substation_id", help_text="substation code"
    )
    status = django_filters.ChoiceFilter(choices=DeviceStatus.choices)

    class Meta:
        model = DistributionPoint
        fields = ["feeder", "substation", "status"]
