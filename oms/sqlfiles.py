"""Where each app's SQL lives: current definitions in `<app>/sql/`, frozen copies in
`<app>/migrations/sql/NNNN_<name>.sql`. Shared by the `sqlmigration` command and the drift test."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_APPS = ("topology", "meters", "outages", "ingest")
_OBJECT = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+(FUNCTION|VIEW)\s+([a-z_][a-z0-9_]*)\s*(\((.*?)\)\s*(RETURNS|AS))?",
    re.IGNORECASE | re.DOTALL,
)


def current_files(app: str) -> dict[str, Path]:
    return {path.stem: path for path in sorted((ROOT / app / "sql").glob("*.sql"))}


def frozen_files(app: str) -> dict[str, Path]:
    """The newest frozen copy of each object, by name."""
    newest: dict[str, Path] = {}
    for path in sorted((ROOT / app / "migrations" / "sql").glob("*.sql")):
        newest[path.stem.split("_", 1)[1]] = path
    return newest


def drop_statement(sql: str) -> str:
    """The DROP that undoes the first CREATE OR REPLACE in `sql`."""
    match = _OBJECT.search(sql)
    if not match:
        raise ValueError("no CREATE OR REPLACE FUNCTION/VIEW found")
    kind, name, _, args = match.group(1).upper(), match.group(2), match.group(3), match.group(4)
    if kind == "VIEW":
        return f"DROP VIEW IF EXISTS {name};"
    args = re.sub(r"\s+DEFAULT\s+[^,]+", "", args or "", flags=re.IGNORECASE)
    args = re.sub(r"\s+", " ", args).strip()
    return f"DROP FUNCTION IF EXISTS {name}({args});"


def defined_functions() -> set[str]:
    names = set()
    for app in SQL_APPS:
        for path in current_files(app).values():
            for match in _OBJECT.finditer(path.read_text()):
                if match.group(1).upper() == "FUNCTION":
                    names.add(match.group(2).lower())
    return names
