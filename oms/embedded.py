"""The embedded PostgreSQL used when no DATABASE_URL is configured (the `pgserver` wheel).

The server lives under ``$OMS_DATA_DIR/pg`` and is shared by every process that asks for it;
pgserver keeps a handle count and stops it when the last process lets go.
"""

from __future__ import annotations

import logging
import os
import warnings
from functools import cache
from pathlib import Path

DATABASE_NAME = "oms"


def data_dir() -> Path:
    default = Path(__file__).resolve().parent.parent / ".oms-data"
    return Path(os.environ.get("OMS_DATA_DIR", default)).resolve()


@cache
def socket_dir() -> str:
    """Start (or join) the embedded server and return its socket folder."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver
    import psycopg

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = data_dir() / "pg"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    host = str(pgdata)
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    # Keep the handle alive for the life of the process.
    socket_dir.server = server  # type: ignore[attr-defined]
    return host
