"""Shared fixtures: the small named grid of tests/fixtures/grid, loaded through import_grid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GRID_DIR = FIXTURES / "grid"


def load_fixture(relative: str):
    """A provider payload from tests/fixtures (JSON parsed, anything else as text)."""
    path = FIXTURES / relative
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


@pytest.fixture
def grid(db):
    """SS001(FD001: DP001, DP002; FD002: DP003, DP004), SS002(FD003: DP005, DP006); 20 meters
    per DP (M40000001…M40000120), one customer each except CUST_00000041 (two meters)."""
    from topology.grid import import_grid

    report = import_grid(GRID_DIR)
    assert not report.errors, report.errors
    return report


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_client(db):
    """`token_client("read", "operate")`: an APIClient whose token has those scopes."""
    from rest_framework.test import APIClient

    from ingest.tokens import issue_token

    def make(*scopes: str) -> APIClient:
        client = APIClient()
        key = issue_token(f"test-{'-'.join(scopes) or 'none'}", list(scopes))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
