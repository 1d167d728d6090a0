"""The storm benchmark of two checkouts side by side, on this machine, one after the other.

    python bench/storm_compare.py --baseline /tmp/oms-base --meters 1000000 \
        --history-rows 10000000 [--rounds 1] [--reruns 0] [-- STORM ARGS ...]

Each checkout runs its own `bench/storm.py` with its own virtualenv (`<checkout>/.venv`) and
its own embedded PostgreSQL (`--data-root/<name>`), on a fresh database, with the same
arguments: the baseline's storm, then this checkout's (rounds alternate the order: A B, B A, …,
so a machine whose load drifts during the run does not favour either). `--reruns N` then
posts the same storm N more times on each loaded grid (`--keep-database --skip-import
--reset-events`). One table at the end: sustained events/s, batch latency, outages found.

The baseline is a plain copy of an older commit with its own virtualenv, for example the code
whose figures the README quotes (`git log -S'4,832' -- README.md`):

    mkdir -p /tmp/oms-base && git archive dfdcd77 | tar -x -C /tmp/oms-base
    echo dfdcd77 > /tmp/oms-base/COMMIT
    cd /tmp/oms-base && python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'

Nothing of the baseline is kept in this repository. Never part of the test run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = {
    "events/s": re.compile(r"sustained rate \(delivered\)\s+([\d,]+) events/s"),
    "messages": re.compile(r"messages sent\s+([\d,]+)"),
    "latency p50 / p99 / max": re.compile(r"latency p50 / p99 / max\s+[\d,]+; (.+)"),
    "precision": re.compile(r"outage devices: precision\s+(\S+)"),
    "recall": re.compile(r"outage devices: recall\s+(\S+)"),
    "faults": re.compile(r"faults injected\s+(.+)"),
    "server peak RSS": re.compile(r"server peak RSS \(VmHWM\): (.+)"),
    "import": re.compile(r"import_grid in ([\d.]+ s)"),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f})"


def run(name: str, checkout: Path, storm_args: list[str], data_dir: Path, logs: Path) -> dict:
    python = checkout / ".venv" / "bin" / "python"
    # Each checkout writes its grid with its own generator, into its own folder.
    storm_args = [*storm_args, "--workdir", str(data_dir.parent / f"{name}-grids")]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV"}}
    env.update(OMS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env["PATH"] = f"{python.parent}:{env.get('PATH', '')}"
    out = logs / f"{name}-{time.strftime('%H%M%S')}.log"
    log(f"{name}: {python} bench/storm.py {' '.join(storm_args)} ({load()}; log {out})")
    began = time.perf_counter()
    with out.open("w") as sink:
        code = subprocess.call(
            [str(python), "bench/storm.py", *storm_args],
            cwd=checkout,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    text = out.read_text()
    figures = {label: (m.group(1).strip() if (m := rx.search(text)) else "?")
               for label, rx in FIGURES.items()}  # fmt: skip
    figures.update(name=name, seconds=time.perf_counter() - began, code=code, log=str(out),
                   load=load())  # fmt: skip
    log(f"{name}: {figures['events/s']} events/s, exit {code}, {figures['load']}")
    return figures


def describe(checkout: Path) -> str:
    """The checkout's commit: git's word, else a COMMIT file written beside an archive."""
    commit = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    if commit:
        return commit[:90]
    marker = checkout / "COMMIT"
    return marker.read_text().strip() if marker.exists() else "(not a git checkout)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="checkout with its .venv")
    parser.add_argument("--current", type=Path, default=ROOT, help="default: this checkout")
    parser.add_argument("--meters", type=int, default=1_000_000)
    parser.add_argument("--history-rows", type=int, default=10_000_000)
    parser.add_argument("--query-samples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--reruns", type=int, default=0, help="storms again on the loaded grid")
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/oms-storm-compare"))
    parser.add_argument("--keep-data", action="store_true", help="keep the databases at the end")
    parser.add_argument("extra", nargs="*", help="more storm.py arguments (after --)")
    args = parser.parse_args()

    storm_args = [
        "--meters", str(args.meters), "--history-rows", str(args.history_rows),
        "--query-samples", str(args.query_samples), *args.extra,
    ]  # fmt: skip
    rerun_args = ["--meters", str(args.meters), "--no-queries", "--keep-database",
                  "--skip-import", "--reset-events", *args.extra]  # fmt: skip
    checkouts = {"baseline": args.baseline.resolve(), "current": args.current.resolve()}
    for name, checkout in checkouts.items():
        if not (checkout / ".venv" / "bin" / "python").exists():
            raise SystemExit(f"{name}: no virtualenv in {checkout}/.venv")
    logs = args.data_root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = []
    for round_ in range(args.rounds):
        order = list(checkouts) if round_ % 2 == 0 else list(reversed(checkouts))
        for name in order:
            data_dir = args.data_root / name
            shutil.rmtree(data_dir, ignore_errors=True)  # a fresh server and database each time
            results.append(("fresh", run(name, checkouts[name], storm_args, data_dir, logs)))
            for _ in range(args.reruns):
                results.append(("rerun", run(name, checkouts[name], rerun_args, data_dir, logs)))
            if not args.keep_data:
                shutil.rmtree(data_dir, ignore_errors=True)

    print(f"\nStorm at {args.meters:,} meters, {args.history_rows:,} history rows, "
          f"one after the other on this machine ({os.cpu_count()} cores)")  # fmt: skip
    for name, checkout in checkouts.items():
        print(f"  {name}: {checkout} {describe(checkout)}")
    print("\n| run | code | events/s | batch latency p50 / p99 / max | precision | recall "
          "| peak RSS | load after |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in results:
        cells = [kind, r["name"], r["events/s"], r["latency p50 / p99 / max"], r["precision"],
                 r["recall"], r["server peak RSS"], r["load"]]  # fmt: skip
        print(f"| {' | '.join(cells)} |")
    for kind, r in results:
        print(
            f"  {kind} {r['name']}: {r['messages']} messages, faults {r['faults']}, "
            f"import {r['import']}, exit {r['code']}, {r['seconds']:.0f} s, log {r['log']}"
        )
    print(f"\nreproduce: python bench/storm_compare.py {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
