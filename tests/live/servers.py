"""Real Daphne processes on the test database, for the multi-process and browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_env() -> dict[str, str]:
    """DATABASE_URL (and PG* for a socket folder) naming the database the tests use now."""
    from django.db import connection

    params = connection.settings_dict
    env = {"DATABASE_URL": f"postgresql://{params.get('USER') or 'postgres'}@/{params['NAME']}"}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    if params.get("HOST"):
        env["PGHOST"] = params["HOST"]
    if params.get("PORT"):
        env["PGPORT"] = str(params["PORT"])
    return env


class DaphneServer:
    """`daphne oms.asgi:application` on a free port, against the test database."""

    def __init__(self, name: str, **env: str):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = (
            Path(os.environ.get("TMPDIR", "/tmp")) / f"oms-daphne-{name}-{self.port}.log"
        )
        self.env = {
            **os.environ,
            **database_env(),
            "SECRET_KEY": "test-daphne-secret",
            "DJANGO_SETTINGS_MODULE": "oms.settings",
            "DB_POOL_MAX": "4",
            "OMS_PUSH_HEARTBEAT_S": "2",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> DaphneServer:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "oms.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne {self.name} exited:\n{self.log()}")
            try:
                self.health()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"daphne {self.name} did not answer in {timeout}s:\n{self.log()}")

    def health(self) -> dict:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())

    def post(self, path: str, body: dict, token: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def stop(self, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
