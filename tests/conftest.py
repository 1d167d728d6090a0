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


DEVICES_GRID_DIR = FIXTURES / "grid-devices"


def devices_grid_dir(target: Path) -> Path:
    """The grid of tests/fixtures/grid with the devices of tests/fixtures/grid-devices."""
    for name in ("substations.csv", "customers.csv", "meters.csv"):
        (target / name).write_text((GRID_DIR / name).read_text())
    for name in ("feeders.csv", "devices.csv", "distribution_points.csv"):
        (target / name).write_text((DEVICES_GRID_DIR / name).read_text())
    return target


@pytest.fixture
def devices_grid(db, tmp_path):
    """The `grid` with devices: FD001 → recloser R1 (DP001) → fuse F1 (DP002) → tie T1
    (normally open) → FD003 (SS002); FD002 (not telemetered) → fuse F2."""
    from topology.grid import import_grid

    report = import_grid(devices_grid_dir(tmp_path))
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

    from oms.tokens import issue_token

    def make(*scopes: str) -> APIClient:
        client = APIClient()
        key = issue_token(f"test-{'-'.join(scopes) or 'none'}", list(scopes))
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def install_reference_data():
    """The provider vocabularies and correlation rules the migrations install, installed again:
    a transactional test's flush empties every table (and serialized_rollback collides with
    content types another transactional test recreated)."""
    from ingest.defaults import DEFAULT_VOCABULARY
    from ingest.models import VocabularyTerm
    from outages.defaults import DEFAULT_RULES
    from outages.models import CorrelationRule

    VocabularyTerm.objects.bulk_create(
        [
            VocabularyTerm(provider=p, field=f, code=c, evidence=e)
            for p, f, c, e in DEFAULT_VOCABULARY
        ],
        ignore_conflicts=True,
    )
    for name, kind, value, description in DEFAULT_RULES:
        CorrelationRule.objects.get_or_create(
            rule_name=name, defaults={"rule_type": kind, "value": value, "description": description}
        )


@pytest.fixture
def reference_data(transactional_db):
    """The migrations' reference data, for tests that run outside a rolled-back transaction."""
    install_reference_data()
