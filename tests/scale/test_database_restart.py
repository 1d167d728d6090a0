"""PostgreSQL stopped in the middle of a storm, then started again, under a running Daphne:
while it is down every request is answered 503 with Retry-After (never 500); the service comes
back by itself (no restart), and once the feed has retried what was refused the final state is
exactly the one of an undisturbed run.

The test runs its own PostgreSQL (pgserver, in a temporary folder) so that stopping it touches
nobody else's server, and a real Daphne process on it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live.servers import ROOT, DaphneServer, wait_for

GRID = ROOT / "tests" / "fixtures" / "grid"
T0 = "2025-10-01T06:{minute:02d}:00Z"


class Postgres:
    """A throwaway PostgreSQL of the test's own: started, crashed (immediate stop), started."""

    def __init__(self):
        import pgserver

        self.folder = Path(tempfile.mkdtemp(prefix="oms-pgr-", dir="/tmp"))
        self.server = pgserver.get_server(self.folder / "pg", cleanup_mode=None)
        info = self.server.get_postmaster_info()
        self.socket_dir = str(info.socket_dir)
        self.log = self.folder / "pg" / "log"
        self.server.psql("CREATE DATABASE oms;")

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.server.pgdata, user=self.server.system_user, timeout=60)

    def crash(self) -> None:
        # `immediate`: no shutdown checkpoint, every client connection cut, as in a crash.
        self._pg_ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        self._pg_ctl(
            "-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.log), "start"
        )

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": "postgresql://postgres@/oms", "PGHOST": self.socket_dir}

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self._pg_ctl("-w", "-m", "fast", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres():
    server = Postgres()
    yield server
    server.remove()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def request(server: DaphneServer, method: str, path: str, token: str, body=None):
    """(status, headers, json body) without raising on HTTP errors."""
    req = urllib.request.Request(
        f"{server.url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {"raw": raw.decode(errors="replace")}
        return error.code, dict(error.headers), data


def storm() -> list[dict]:
    """Last gasps of M40000001…M40000030 (each sent twice), restorations of the first ten."""
    gasps = [
        {
            "eventId": f"G-{n:03d}",
            "type": "ONU_LastGaspAlert",
            "onuId": f"ONU-{n:03d}",
            "timestamp": T0.format(minute=n % 30),
            "associatedMeters": [f"M4{n:07d}"],
        }
        for n in range(1, 31)
    ]
    restores = [
        {
            "eventId": f"R-{n:03d}",
            "type": "ONU_PowerRestored",
            "onuId": f"ONU-{n:03d}",
            "timestamp": "2025-10-01T07:30:00Z",
            "associatedMeters": [f"M4{n:07d}"],
        }
        for n in range(1, 11)
    ]
    return [event for gasp in gasps for event in (gasp, gasp)] + restores


def test_postgres_restart_mid_storm_503_then_recovery_and_exact_state(postgres):
    env = {
        **postgres.env(),
        "SECRET_KEY": "test-restart-secret",
        "DB_POOL_MAX": "4",
        # While the database is down a request waits this long for a connection, then 503.
        "DB_POOL_TIMEOUT_S": "2",
        "OMS_RELAY": "off",
    }
    manage(env, "migrate", "-v0")
    manage(env, "import_grid", str(GRID))
    token = manage(env, "oms_token", "restart-feed", "--scope", "ingest:onu", "--scope", "read")
    token = token.strip().splitlines()[-1]
    server = DaphneServer("pg-restart", **env).start()
    try:
        events = storm()
        delivered: set[str] = set()

        def send(event) -> int:
            status, _, body = request(server, "POST", "/api/ingest/onu/", token, event)
            assert status != 500, body
            if status in (200, 201):
                delivered.add(event["eventId"])
            return status

        # The first half of the storm goes through.
        half = len(events) // 2
        assert {send(event) for event in events[:half]} <= {200, 201}

        postgres.crash()
        refused = []
        for event in events[half : half + 3]:
            status, headers, body = request(server, "POST", "/api/ingest/onu/", token, event)
            assert status == 503, (status, body)
            assert int(headers["Retry-After"]) > 0
            assert "retry" in body["detail"].lower()
            refused.append(event)
        status, headers, _ = request(
            server, "POST", "/api/ingest/onu/batch/", token, {"events": events[half:]}
        )
        assert status == 503 and "Retry-After" in headers
        for path in ("/api/meters/M40000001/history/", "/api/outages/?status=active"):
            status, headers, _ = request(server, "GET", path, token)
            assert status == 503 and "Retry-After" in headers, path
        assert server.health()["database"] == "error"
        assert server.process.poll() is None, "the server lives on"

        postgres.start()
        # No restart of the service: it answers again once its pool has new connections.
        wait_for(
            lambda: request(server, "GET", "/api/meters/M40000001/", token)[0] == 200,
            timeout=60,
            what="the service to recover",
        )
        # The feed retries what was refused, then sends the rest, then (at-least-once) all of
        # it once more.
        for event in events[half:] + events:
            assert send(event) in (200, 201)
        assert server.health()["database"] == "ok"
    finally:
        server.stop()
        log = server.log()
    assert " 500 " not in log and "Internal Server Error" not in log, log

    import psycopg

    with psycopg.connect(host=postgres.socket_dir, user="postgres", dbname="oms") as conn:
        raw = conn.execute("SELECT count(*), count(DISTINCT source_event_id) FROM onu_events")
        assert raw.fetchone() == (40, 40)
        audit = conn.execute(
            "SELECT count(*) FROM oms_meter_status_events WHERE source_type = 'onu'"
        ).fetchone()[0]
        assert audit == 40  # one row per (event, meter): nothing twice
        power = dict(
            conn.execute(
                "SELECT meter_number, power_status FROM oms_meters WHERE meter_number = ANY(%s)",
                [[f"M4{n:07d}" for n in range(1, 31)]],
            ).fetchall()
        )
    assert all(power[f"M4{n:07d}"] == "on" for n in range(1, 11)), power
    assert all(power[f"M4{n:07d}"] == "off" for n in range(11, 31)), power
    assert delivered == {event["eventId"] for event in events}
