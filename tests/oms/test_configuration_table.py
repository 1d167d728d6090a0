"""README's configuration table lists every environment variable the code reads (the apps and
the benchmarks; the tests' own are named in "Test it"), so none goes undocumented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# os.environ["X"], os.environ.get("X"), os.getenv("X"), environ.setdefault("X", …), "X" in
# os.environ, and settings' env_bool/env_int/env_list("X", …).
READS = re.compile(
    r"""(?:environ(?:\.get|\.setdefault)?\(\s*|environ\[\s*|getenv\(\s*|env_\w+\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
    r"""|["']([A-Z][A-Z0-9_]+)["']\s+(?:not\s+)?in\s+os\.environ"""
)
NOT_OURS = {"TMPDIR"}  # the system's, read by tempfile-like helpers


def read_variables() -> dict[str, str]:
    found = {}
    for folder in ("oms", "topology", "meters", "outages", "ingest", "bench", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in READS.finditer(path.read_text()):
                found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    return found


def documented() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration (environment only)", 1)[1].split("\n## ", 1)[0]
    test_section = text.split("## Test it", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`", section + test_section))


def test_every_variable_the_code_reads_is_in_the_readme():
    variables = read_variables()
    assert {"DATABASE_URL", "OMS_RELAY", "CI"} <= set(variables)  # the scan finds them
    missing = {
        name: where for name, where in variables.items() if name not in documented() | NOT_OURS
    }
    assert missing == {}, f"read but not in README's configuration table: {missing}"
