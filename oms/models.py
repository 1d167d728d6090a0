"""Small shared model helpers (no models of its own)."""

from django.db import models


def choices_check(field: str, choices) -> models.CheckConstraint:
    """A CheckConstraint that keeps `field` inside its TextChoices."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": [value for value, _ in choices.choices]}),
        name=f"%(class)s_{field}_valid",
    )


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=models.functions.Now())

    class Meta:
        abstract = True
