"""Calling the engine's SQL functions from Python: shared by each app's `sqlfuncs` module."""

from __future__ import annotations

from typing import Any

import orjson
from django.db import connection


def jsonb_call(sql: str, params: list[Any]) -> Any:
    """Run `SELECT f(...)` of a function returning jsonb; its value as Python data."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (value,) = cursor.fetchone()
    return orjson.loads(value) if isinstance(value, str) else value
