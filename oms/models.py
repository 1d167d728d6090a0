"""Shared model helpers, and the API tokens every door admits by."""

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


class Scope(models.TextChoices):
    INGEST_SCADA = "ingest:scada"
    INGEST_ONU = "ingest:onu"
    INGEST_KAIFA = "ingest:kaifa"
    INGEST_CALL_CENTER = "ingest:call_center"
    READ = "read"
    OPERATE = "operate"


class ApiToken(models.Model):
    """A client's API key, stored as its SHA-256 only; `prefix` identifies it in admin.

    Every door (ingest, query API, websocket) admits by it, so it lives beneath all apps.
    """

    name = models.CharField(max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    scopes = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_default=models.functions.Now())
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "oms_api_tokens"
        ordering = ["name"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    # DRF and Channels treat the token as the authenticated principal.
    is_authenticated = True
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes
