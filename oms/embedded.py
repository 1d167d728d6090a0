"""The embedded PostgreSQL used when no DATABASE_URL is configured (the `pgserver` wheel).

The server lives under ``$OMS_DATA_DIR/pg`` and is shared by every process that asks for it;
pgserver keeps a list of the processes holding it and stops it when the last one lets go (at
exit, or at `release()`). Processes that died without letting go are struck off that list
first, or the server would never stop again.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from functools import cache
from pathlib import Path

DATABASE_NAME = "oms"
# Written with ALTER SYSTEM when missing. A storm writes gigabytes of WAL: with the defaults
# (128MB buffers, checkpoints every 1GB of WAL) commits waited on WAL writes and every
# checkpoint doubled the WAL with full-page images. Memory is taken as pages are used.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "wal_buffers": "64MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
}


def data_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / ".oms-data"
    return Path(os.environ.get("OMS_DATA_DIR", default)).resolve()


@cache
def socket_dir() -> str:
    """Start (or join) the embedded server and return its socket folder."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver
    import psycopg
    from pgserver.utils import PostmasterInfo

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = data_dir() / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    new = not (pgdata / "PG_VERSION").exists()
    _forget_dead_holders(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    host = str(pgdata)
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if _configure(conn) and new:
            # Nobody else can be using a server initialized a moment ago: restart it so the
            # settings that need a restart apply now (pg_ctl keeps the options it started with).
            from pgserver._commands import pg_ctl

            conn.close()
            pg_ctl(["-w", "restart"], pgdata=pgdata, user=server.system_user)
            # pgserver stops the postmaster it started: tell it the restarted one.
            server._postmaster_info = PostmasterInfo.read_from_pgdata(pgdata)
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # Keep the handle alive for the life of the process.
    socket_dir.server = server  # type: ignore[attr-defined]
    return host


def release() -> None:
    """Let go of the embedded server now (it stops if no other process holds it)."""
    server = getattr(socket_dir, "server", None)
    if server is not None:
        server.cleanup()  # cleanup_mode="stop": stops, never deletes
        del socket_dir.server
        socket_dir.cache_clear()


def _forget_dead_holders(pgdata: Path) -> None:
    """Strike processes that are gone (killed, crashed) off pgserver's list of holders."""
    import psutil
    from pgserver.postgres_server import PostgresServer

    holders = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not holders.exists():
            return
        try:
            pids = json.loads(holders.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]
        if alive != pids:
            holders.write_text(json.dumps(alive))


def _configure(conn) -> bool:
    """ALTER SYSTEM the SERVER_SETTINGS not written yet; True when any was (those needing a
    restart apply the next time the server starts)."""
    written = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'"
        )
    }
    missing = {name: value for name, value in SERVER_SETTINGS.items() if name not in written}
    for name, value in missing.items():
        conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    if missing:
        conn.execute("SELECT pg_reload_conf()")
    return bool(missing)
