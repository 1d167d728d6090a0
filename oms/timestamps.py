"""Limits every timestamp a client gives shares (events, filters, periods, ETRs): a UTC offset
within ±14:00, the widest a real zone has (PostgreSQL refuses some wider ones with a 500)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

MAX_UTC_OFFSET = timedelta(hours=14)


def offset_problem(value: datetime) -> str | None:
    """Why this datetime's UTC offset is refused, if it is."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "The UTC offset must be within ±14:00."
    return None


def validate_utc_offset(value) -> None:
    """A Django/DRF field validator."""
    problem = offset_problem(value) if isinstance(value, datetime) else None
    if problem:
        raise ValidationError(problem)


class BoundedDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, refusing a UTC offset beyond ±14:00 (DRF converts to the current
    zone before validators see the value, so it is checked on the text)."""

    def to_internal_value(self, value):
        try:
            parsed = parse_datetime(value.strip()) if isinstance(value, str) else None
        except ValueError:  # well formed but no such time (minute 99): DRF's own message below
            parsed = None
        problem = offset_problem(parsed) if parsed is not None else None
        if problem:
            raise serializers.ValidationError(problem)
        return super().to_internal_value(value)
