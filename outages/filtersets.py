"""Filters of the outage list: status (or `active`), scope, device codes and detection period."""

import django_filters
from django.core.exceptions import ValidationError

from oms.timestamps import validate_utc_offset
from outages.models import ACTIVE_STATUSES, Outage, OutageStatus, OutageType, Scope, Severity


def statuses_named(value: str) -> set[str]:
    """The statuses a `status=` value names: one, several (comma list), or `active`."""
    wanted: set[str] = set()
    for item in filter(None, (part.strip().lower() for part in value.split(","))):
        if item == "active":
            wanted.update(ACTIVE_STATUSES)
        elif item in OutageStatus.values:
            wanted.add(item)
        else:
            choices = ", ".join(["active", *OutageStatus.values])
            raise ValidationError(f"unknown status {item!r} (one of {choices})")
    return wanted


class OutageFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter(
        method="filter_status",
        validators=[statuses_named],
        help_text="a status, `active` (detected, confirmed, in_progress), or a comma list",
    )
    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    event_type = django_filters.ChoiceFilter(choices=OutageType.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    substation = django_filters.CharFilter(
        field_name="substation__substation_id", help_text="substation code"
    )
    feeder = django_filters.CharFilter(field_name="feeder__feeder_id", help_text="feeder code")
    dp = django_filters.CharFilter(field_name="dp__dp_id", help_text="distribution point code")
    since = django_filters.IsoDateTimeFilter(
        field_name="first_detected_at",
        lookup_expr="gte",
        help_text="detected at or after",
        validators=[validate_utc_offset],
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="first_detected_at",
        lookup_expr="lt",
        help_text="detected before",
        validators=[validate_utc_offset],
    )

    class Meta:
        model = Outage
        fields = [
            "status",
            "scope",
            "event_type",
            "severity",
            "substation",
            "feeder",
            "dp",
            "since",
            "until",
        ]

    def filter_status(self, queryset, name, value):
        wanted = statuses_named(value)
        return queryset.filter(status__in=sorted(wanted)) if wanted else queryset
