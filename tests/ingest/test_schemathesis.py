"""Property-based run of every operation of the API against its own OpenAPI schema, with all of
schemathesis' checks and a fixed seed: whatever a client sends, no 500 and every answer matches
the documented shape (the ingest endpoints, which take the most hostile input, get the most
examples)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

INGEST = r"^/api/(ingest|unmatched)/"
# Every check but three. The schema describes shapes, not the contract's semantics: a
# schema-valid event can be refused (a time beyond the clock-skew limit, SOAP in another
# namespace, a blank key), and a batch answers 200 reporting its schema-violating events by
# index (CONTRACT §4). ignored_auth's probes report 200s that the same requests without or
# with a spoilt token answer 401 (tests/ingest/test_refusals.py proves 401/403 directly).
EXCLUDED_CHECKS = [positive_data_acceptance, negative_data_rejection, ignored_auth]


def _api_schema():
    """The served schema (as /api/schema/ renders it), bound to the WSGI app."""
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


schema = _api_schema()


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


def _call_and_validate(case, key):
    # On the case itself, so that the auth checks' probes can take it away or spoil it.
    case.headers = {**(case.headers or {}), "Authorization": f"Token {key}"}
    response = case.call()

    case.validate_response(response, excluded_checks=EXCLUDED_CHECKS)


@schema.include(path_regex=INGEST).parametrize()
@seed(1212)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_ingest_api_honours_its_schema(case, all_scopes_key):
    _call_and_validate(case, all_scopes_key)


@schema.exclude(path_regex=INGEST).parametrize()
@seed(1212)
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_query_and_operator_api_honours_its_schema(case, all_scopes_key):
    _call_and_validate(case, all_scopes_key)
