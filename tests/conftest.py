"""Shared fixtures: the small named grid of tests/fixtures/grid, loaded through import_grid."""

from __future__ import annotations

import functools
import json
import os
import socket
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connections
from django.db.models.signals import post_migrate

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


# Under CI (.ci/run exports CI=true) a missing service fails the test: its guarantee never
# goes silently unchecked. On a developer's machine the test skips, saying why.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SERVICES = {"redis": ("Redis", 6379), "rabbitmq": ("RabbitMQ", 5672)}


def missing(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}; CI=true, so this fails rather than skips", pytrace=False)
    pytest.skip(reason)


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def needed_services(request):
    """`@pytest.mark.needs("redis", "rabbitmq")`: those servers answer on 127.0.0.1."""
    for marker in request.node.iter_markers("needs"):
        for service in marker.args:
            name, port = SERVICES[service]
            if not reachable(port):
                missing(f"no {name} at 127.0.0.1:{port}")


@functools.cache
def data_migrations() -> dict[str, list]:
    """The forward functions of every app's RunPython operations, in migration order."""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    codes: dict[str, list] = {}
    seen = set()
    for leaf in graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key in seen:
                continue
            seen.add(key)
            for operation in graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    codes.setdefault(key[0], []).append(operation.code)
    return codes


def replay_data_migrations(sender, plan=None, using="default", **kwargs):
    """After a flush (a transactional test's teardown), run the app's data migrations again, as
    Django recreates content types: the reference data they install (provider vocabularies,
    correlation rules) is then there for every later test and every later `--reuse-db` run.
    `migrate` passes its plan and has just run them; a flush passes none."""
    from django.db import connections

    codes = data_migrations().get(sender.label)
    if plan is not None or not codes:
        return
    with connections[using].schema_editor() as schema_editor:
        for code in codes:
            code(django_apps, schema_editor)


post_migrate.connect(replay_data_migrations, dispatch_uid="tests.replay_data_migrations")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every session starts from the migrations' state, whatever an earlier (`--reuse-db`,
    interrupted) run left: flush, and the data migrations run again on post_migrate."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        _no_autovacuum()


def _no_autovacuum() -> None:
    """Autovacuum is off for the test database's tables. The tests' rolled-back inserts leave
    dead rows, autovacuum comes to clean them, and a VACUUM that runs while a test holds
    thousands of uncommitted rows (an imported feeder, a storm) records the table as holding
    only its committed rows (none) over all its new pages: the planner then reckons one row
    where there are thousands and the engine's statements turn into nested loops that ran for
    over an hour in CI. Nothing here needs vacuuming: every test's writes are rolled back or
    truncated."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            DO $$
            DECLARE t regclass;
            BEGIN
                FOR t IN SELECT c.oid::regclass FROM pg_class c
                         JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = current_schema() AND c.relkind = 'r'
                LOOP
                    EXECUTE format(
                        'ALTER TABLE %s SET (autovacuum_enabled = false,'
                        ' toast.autovacuum_enabled = false)', t);
                END LOOP;
            END $$
            """
        )


@pytest.fixture
def reference_data(transactional_db):
    """A test outside a rolled-back transaction, on the migrations' reference data (which is
    always there: every flush runs the data migrations again, above)."""


@pytest.fixture(autouse=True)
def fresh_connection_pool(request):
    """After a transactional test, the pool is closed and made anew: threads that the test's
    ASGI communicators started and ended never hand their connections back, and twenty such
    tests would leave the next concurrency test no connection to take."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        connections.close_all()
        connections["default"].close_pool()


@functools.cache
def _imports_a_real_feeder(path: str) -> bool:
    return "import_feeder" in Path(path).read_text()


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"live_server", "transactional_db"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests that import a real feeder (IEEE 8500, 9500, ckt24: thousands of rows written and
    queried inside the test's transaction) run first, on a database few dead rows are in yet.
    Transactional tests keep their place after the others (pytest-django's order)."""
    items.sort(
        key=lambda item: _transactional(item) or not _imports_a_real_feeder(str(item.fspath))
    )
