"""`oms demo` as a real process on its own embedded PostgreSQL, for the tests that run it."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.live.servers import ROOT, wait_for

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
def demo_data_dir():
    """A fresh OMS_DATA_DIR under /tmp (short: the server's socket lives in it)."""
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
