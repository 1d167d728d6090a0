"""`oms demo` as a real process on its own embedded PostgreSQL (a fresh OMS_DATA_DIR, a free
port): a taken port ends it before anything starts; SIGTERM and Ctrl-C stop it and its
database; the operator's login and open sessions survive a restart; a storm stopped midway
leaves no outage active after the next start. bench/storm.py stops its database too."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

from tests.live.demo_process import (
    Demo,
    logged_in_session,
    oms_token,
    on_dashboard,
    postgres_of,
)
from tests.live.servers import ROOT, free_port, wait_for


def test_a_taken_port_ends_the_demo_before_it_starts_anything(demo_data_dir):
    data_dir = demo_data_dir
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        demo = Demo(data_dir, port, "--no-storm")
        code = demo.process.wait(timeout=60)
    output = demo.output()
    assert code != 0
    assert f"port {port} on 127.0.0.1 is in use" in output
    assert "log in as" not in output and "serving" not in output
    assert not (data_dir / "pg").exists()  # no database was started


def test_stops_its_database_keeps_its_login_and_leaves_no_storm_behind(demo_data_dir):
    data_dir = demo_data_dir
    port = free_port()
    first = Demo(data_dir, port, "--storm-minutes", "6", "--seed", "11")
    password = first.wait_serving()
    token = oms_token(data_dir, "read")
    wait_for(
        lambda: first.api("/api/outages/?status=active", token)["count"] > 0,
        timeout=120,
        what="the storm's first outages",
    )
    session = logged_in_session(first.url, password)
    assert postgres_of(data_dir)
    first.stop(signal.SIGTERM)  # the storm is stopped midway
    assert postgres_of(data_dir) == [], first.output()[-3000:]

    second = Demo(data_dir, port, "--no-storm")
    assert second.wait_serving() == password, second.output()[-3000:]  # the same login
    assert on_dashboard(session, second.url)  # and the open session still in
    assert "restored the" in second.output(), second.output()[-3000:]
    assert second.api("/api/outages/?status=active", token)["count"] == 0
    assert second.stop(signal.SIGINT) == 0, second.output()[-3000:]  # Ctrl-C
    assert postgres_of(data_dir) == [], second.output()[-3000:]

    third = Demo(data_dir, port, "--no-storm", "--reset-password")
    new_password = third.wait_serving()
    assert new_password != password
    assert not on_dashboard(session, third.url)  # the old password's sessions are over
    logged_in_session(third.url, new_password)
    third.stop(signal.SIGTERM)
    assert postgres_of(data_dir) == [], third.output()[-3000:]


def test_the_storm_benchmark_stops_the_database_it_started(demo_data_dir):
    """bench/storm.py on a fresh embedded server (about 2,000 meters, no query timings)."""
    data_dir = demo_data_dir
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["OMS_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "bench/storm.py", "--meters", "2000", "--no-queries",
         "--workdir", str(data_dir / "work")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "daphne" in done.stdout and "stopped" in done.stdout
    assert (data_dir / "pg" / "PG_VERSION").exists()  # it did run on this folder
    assert postgres_of(data_dir) == []
