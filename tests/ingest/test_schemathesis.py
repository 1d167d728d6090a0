"""Property-based run of the ingest endpoints against their own OpenAPI schema: whatever a
client sends, no 500 and every answer matches the documented shape."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def _ingest_schema():
    """The served schema (as /api/schema/ renders it), bound to the WSGI app."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(document).include(
        path_regex=r"^/api/(ingest|unmatched)/"
    )
    loaded.app = get_wsgi_application()
    return loaded


schema = _ingest_schema()


@pytest.fixture
def all_scopes_key(grid):
    """A token with every scope; requests keep the test's connection, as Django's client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from oms.tokens import issue_token

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield issue_token("schemathesis", ["ingest:scada", "ingest:onu", "ingest:kaifa",
                                           "ingest:call_center", "read", "operate"])  # fmt: skip
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_ingest_api_honours_its_schema(case, all_scopes_key):
    response = case.call(headers={"Authorization": f"Token {all_scopes_key}"})

    case.validate_response(response, checks=CHECKS)
