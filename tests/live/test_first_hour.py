"""A newcomer's first hour: the help texts say what to type, and the README's "First events"
shell blocks, run verbatim against a running `oms demo`, put an outage with two sources on its
dashboard."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import browser  # noqa: F401 (the browser fixture)
from tests.live.demo_process import OMS, Demo
from tests.live.servers import ROOT, free_port

README = ROOT / "README.md"


def readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def shell_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)


def oms_help(*args: str) -> str:
    done = subprocess.run(
        [*OMS, *args, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_help_texts_say_what_to_type():
    from topology.grid import FILES

    assert "oms demo" in oms_help()
    demo = oms_help("demo")
    assert re.search(r"--host HOST\s+address to serve on", demo)
    assert re.search(r"--port PORT\s+TCP port to serve on", demo)
    assert "--reset-password" in demo
    grid = oms_help("import_grid")
    documented = readme_section("Commands")
    for spec in FILES:
        assert spec.filename in grid and f"`{spec.filename}`" in documented
        for column in spec.columns:
            marked = f"{column.name}*" if column.required else column.name
            assert marked in grid, (spec.filename, marked)
            written = f"**`{column.name}`**" if column.required else f"`{column.name}`"
            assert written in documented, (spec.filename, written)


@pytest.fixture
def demo(demo_data_dir):
    instance = Demo(demo_data_dir, free_port(), "--no-storm")
    try:
        instance.password = instance.wait_serving()
        yield instance
    finally:
        instance.stop(15)


def test_the_readme_first_events_run_verbatim_and_reach_the_dashboard(demo, browser):  # noqa: F811
    blocks = shell_blocks(readme_section("First events"))
    assert len(blocks) == 4
    script = "set -euo pipefail\n" + "\n".join(blocks)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        OMS_URL=demo.url,
        OMS_DATA_DIR=str(demo.data_dir),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    trip, last_gasp, listed = (json.loads(line) for line in done.stdout.strip().splitlines())

    # The demo's IEEE 8500 feeder: the trip puts its 1,177 meters off; the meter's last gasp
    # is more evidence for that one outage.
    assert trip["status"] == "processed" and trip["offline_meters"] == 1177, trip
    (gasp,) = last_gasp["events"]
    assert gasp["status"] == "processed" and gasp["meters"]["off"] == 1, gasp
    opened = {trip["outage_event_id"], gasp["outage_event_id"]}
    assert None not in opened and len(opened) == 1
    assert {outage["event_id"] for outage in listed["results"]} == opened
    (outage,) = listed["results"]
    assert outage["feeder"] == "a8735_48332_sw" and outage["source_count"] == 2, outage

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{demo.url}/dashboard/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", demo.password)
    page.click("#sign-in")
    for event_id in opened:
        page.locator(f'#outage-rows tr[data-id="{event_id}"]').wait_for(timeout=30000)
