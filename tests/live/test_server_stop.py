"""A real Daphne told to stop (SIGTERM) while a request is in flight: it answers that request,
answers 503 `server_stopping` to one that comes meanwhile, and exits; a request held in the
database longer than OMS_SHUTDOWN_DRAIN_S does not keep the process from exiting (oms/draining.py).
The request is held by a lock this test takes on the outage table, as the engine's locks hold
ingest requests in a storm. A websocket is open too: Daphne stopped waiting for its applications
as soon as the first one ended cancelled (the websocket's, at once), and stopped its loop under
the request still running, whose thread then waited forever for it."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from tests.live.servers import DaphneServer, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def read_token(reference_data):
    from oms.tokens import issue_token

    return issue_token("stop-test", ["read"])


def database():
    from django.db import connection

    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"], user=params.get("USER") or "postgres",
        host=params.get("HOST") or None, port=params.get("PORT") or None,
        password=params.get("PASSWORD") or None, autocommit=True,
    )  # fmt: skip


def get(url: str, token: str | None = None) -> tuple[int, dict, dict]:
    headers = {"Authorization": f"Token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=90) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
    except OSError as error:  # not listening any more
        return 0, {"error": repr(error)}, {}


def held_request(server: DaphneServer, token: str) -> tuple[dict, threading.Thread]:
    """GET /api/outages/ in a thread, once the outage table is locked: it waits in the database."""
    answer: dict = {}

    def ask():
        try:
            answer["status"] = get(f"{server.url}/api/outages/", token)[0]
        except OSError as error:
            answer["error"] = repr(error)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    return answer, thread


def waiting_on_lock(watcher) -> bool:
    row = watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND query LIKE '%oms_outage_events%' AND pid <> pg_backend_pid()"
    ).fetchone()
    return row[0] > 0


def test_sigterm_answers_the_request_in_flight_and_exits(read_token):
    from websockets.sync.client import connect

    server = DaphneServer("stop").start()
    try:
        with (
            connect(f"{server.ws_url}/ws/outages/?token={read_token}") as screen,
            database() as holder,
            database() as watcher,
        ):
            assert json.loads(screen.recv(timeout=30))["type"] == "snapshot"
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE oms_outage_events IN ACCESS EXCLUSIVE MODE")
            answer, thread = held_request(server, read_token)
            wait_for(lambda: waiting_on_lock(watcher), what="the request waiting on the lock")
            server.process.terminate()
            time.sleep(2)  # before the fix the loop had stopped by now, the request stranded
            status, body, headers = get(f"{server.url}/healthz")
            assert (status, body.get("code"), headers.get("Retry-After")) == (
                503, "server_stopping", "5"
            )  # fmt: skip
            holder.execute("ROLLBACK")
        code = server.process.wait(timeout=30)
        thread.join(timeout=30)
        assert answer == {"status": 200}, server.log()
        assert code == 0, server.log()
    finally:
        server.stop()


def test_a_request_held_past_the_drain_does_not_keep_it_from_exiting(read_token):
    server = DaphneServer("stop-held", OMS_SHUTDOWN_DRAIN_S="2").start()
    try:
        with database() as holder, database() as watcher:
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE oms_outage_events IN ACCESS EXCLUSIVE MODE")
            held_request(server, read_token)
            wait_for(lambda: waiting_on_lock(watcher), what="the request waiting on the lock")
            server.process.terminate()
            began = time.monotonic()
            try:
                # Drain 2 s, then the exit's grace of 10 s: the lock is still held.
                code = server.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                code = None
            took = time.monotonic() - began
            holder.execute("ROLLBACK")
        assert code is not None, f"still running {took:.0f} s after SIGTERM:\n{server.log()}"
        assert "exiting without it" in server.log(), server.log()
    finally:
        server.stop()
