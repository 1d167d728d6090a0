"""`oms demo` as a real process on its own embedded PostgreSQL (a fresh OMS_DATA_DIR, a free
port): a taken port ends it before anything starts; SIGTERM and Ctrl-C stop it and its
database; the operator's login and open sessions survive a restart; a storm stopped midway
leaves no outage active after the next start."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.live.servers import ROOT, free_port, wait_for

OMS = [sys.executable, "-m", "oms"]


def postgres_of(data_dir: Path) -> list[psutil.Process]:
    """The postgres processes serving this data folder."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and any(str(data_dir) in arg for arg in cmdline):
            found.append(process)
    return found


@pytest.fixture
def data_dir():
    folder = Path(tempfile.mkdtemp(prefix="oms-demo-test-", dir="/tmp"))
    yield folder
    for process in postgres_of(folder):  # only if a test failed midway
        process.terminate()
    shutil.rmtree(folder, ignore_errors=True)


class Demo:
    """One `oms demo` process, its output in a file."""

    def __init__(self, data_dir: Path, port: int, *args: str):
        self.data_dir, self.port, self.url = data_dir, port, f"http://127.0.0.1:{port}"
        self.out = data_dir / f"demo-{time.monotonic_ns()}.out"
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(OMS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
        with self.out.open("wb") as out:
            self.process = subprocess.Popen(
                [*OMS, "demo", "--port", str(port), *args],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_serving(self) -> str:
        """The operator's password, once Daphne answers."""

        def healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"oms demo exited {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=180, interval=0.5, what="oms demo to serve")
        return re.search(r"log in as\s+operator / (\S+)", self.output()).group(1)

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=180)
        finally:
            if self.process.poll() is None:
                self.process.kill()

    def api(self, path: str, token: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Token {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def oms_token(data_dir: Path, *scopes: str) -> str:
    """`oms oms_token` against the demo's database (it joins the running embedded server)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["OMS_DATA_DIR"] = str(data_dir)
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    done = subprocess.run(
        [*OMS, "oms_token", "demo-test", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def logged_in_session(url: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{url}/accounts/login/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"username": "operator", "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    landed = opener.open(f"{url}/accounts/login/", body, timeout=30)
    assert urllib.parse.urlsplit(landed.url).path == "/dashboard/", landed.url
    return opener


def on_dashboard(opener, url: str) -> bool:
    """True when the session still opens the dashboard (not sent to the login page)."""
    landed = opener.open(f"{url}/dashboard/", timeout=30).url
    return urllib.parse.urlsplit(landed).path == "/dashboard/"


def test_a_taken_port_ends_the_demo_before_it_starts_anything(data_dir):
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


def test_stops_its_database_keeps_its_login_and_leaves_no_storm_behind(data_dir):
    port = free_port()
    first = Demo(data_dir, port, "--storm-minutes", "3", "--seed", "11")
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


def test_the_storm_benchmark_stops_the_database_it_started(data_dir):
    """bench/storm.py on a fresh embedded server (about 2,000 meters, no query timings)."""
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
