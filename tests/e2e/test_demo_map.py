"""The demo's network on the map in real Chromium, under a strict CSP: IEEE 8500 as `oms demo`
ships and imports it, one demo storm played through the real endpoints (its figures in the
"Last storm" panel), then outages at a fuse and at the recloser — the fuse pulled by a crew
through the switching API, the recloser's lockout as its SCADA status comes in (the engine's
switching path with source SCADA) — each drawn at its device: the marker and every line below
it "in an outage", the rest of the feeder still energized. Screens at 1366x768 and 1920x1080
with no clipped panel; screenshots under pytest's temporary directory."""

from __future__ import annotations

import json
import re
import threading
import urllib.request

import pytest

from tests.e2e.layout import layout_problems, report_refusals
from tests.e2e.test_network_map import sign_in
from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)

FUSE = "ln6141147-1"  # IEEE 8500's largest fused lateral (49 DPs)
RECLOSER = "subbreaker"  # its substation relay, imported as a telemetered recloser


def lines_below(kind, code):
    from topology.models import Device, Line

    device = Device.objects.get(kind=kind, code=code)
    return sorted(
        Line.objects.filter(section__path__contains=[device.pk]).values_list("code", flat=True)
    )


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The demo's network and logins, a storm played and scored, the lines below the fuse and
    the recloser (read before the browser starts: Playwright's loop keeps the ORM out of the
    test body)."""
    from django.contrib.auth.models import User

    from oms.demo import StormPlayer, create_logins
    from oms.demo_network import load_network
    from oms.demo_start import restore_leftovers, restore_normal_state
    from topology.models import Line

    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path))
    feeders = load_network("ieee8500")
    _, feed_token, crew_token = create_logins()
    User.objects.create_user("watcher", password="wall-screen-1", is_staff=True)
    server = DaphneServer(
        "e2e-demo", DJANGO_SETTINGS_MODULE="tests.e2e.strict_csp", OMS_DATA_DIR=str(tmp_path)
    ).start()
    try:
        player = StormPlayer(
            server.url, feed_token, crew_token, network="ieee8500", feeders=feeders,
            minutes=6.0, pause=0, seed=3,
        )  # fmt: skip
        figures = player.play(3, realtime=False)
        # What the storm left switched or the engine left active (its figures count it) is put
        # back as the demo does before each storm, so the map starts from an energized feeder.
        restore_normal_state()
        restore_leftovers()
        yield {
            "server": server,
            "figures": figures,
            "crew": crew_token,
            "fuse_lines": lines_below("fuse", FUSE),
            "recloser_lines": lines_below("recloser", RECLOSER),
            "all_lines": Line.objects.count(),
        }
    finally:
        server.stop()


def operate(server, token, kind, code, action, note):
    request = urllib.request.Request(
        f"{server.url}/api/devices/{kind}/{code}/operate/",
        data=json.dumps({"action": action, "note": note}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def scada_lockout(kind, code):
    """The device's SCADA status 'locked out', through the engine's switching path (in a thread
    of its own: the ORM stays out of Playwright's loop)."""
    from django.db import connection

    from outages.actions import operate_device
    from topology.models import SwitchingSource

    failures = []

    def run():
        try:
            operate_device(kind=kind, code=code, action="open", source=SwitchingSource.SCADA,
                           source_event_id=f"e2e-lockout-{code}", note="locked out")  # fmt: skip
        except Exception as exc:  # reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not failures, failures


def screens_without_clipping(page, screenshot_path, name):
    problems = []
    for width, height in [(1366, 768), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        page.click("#map-reset")
        page.wait_for_timeout(300)  # let the map settle after the resize (not an assertion)
        page.screenshot(path=screenshot_path(f"{name}-{width}x{height}.png"))
        problems += [f"{width}x{height}: {p}" for p in layout_problems(page)]
    return problems


def test_the_demo_map_shows_outages_at_a_fuse_and_at_the_recloser(demo, browser, screenshot_path):
    from playwright.sync_api import expect

    server, figures = demo["server"], demo["figures"]
    fuse_lines, recloser_lines = demo["fuse_lines"], demo["recloser_lines"]
    assert 50 < len(fuse_lines) < len(recloser_lines) == demo["all_lines"] - 1  # all but the head
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = report_refusals(page)
    sign_in(page, server, ("watcher", "wall-screen-1"))

    # The storm it just played, scored against the truth, in the "Last storm" panel.
    panel = page.locator("#storm-panel")
    expect(panel).to_be_visible(timeout=30000)
    expect(panel.locator("#storm-name")).to_have_text(f"ieee8500 #{figures['seed']}")
    precision = "n/a" if figures["precision"] is None else f"{figures['precision']:.2f}"
    expect(panel.locator("dt:text-is('Precision') + dd")).to_contain_text(precision)
    expect(panel.locator("dt:text-is('Back-feed') + dd")).to_contain_text(
        f"{figures['back_fed_meters']:,} meters"
    )

    line = lambda code: page.locator(f'#map path.ln[data-line="{code}"]')  # noqa: E731
    device = lambda kind, code: page.locator(f'#map [data-device="{kind}:{code}"]')  # noqa: E731
    outside = sorted(set(recloser_lines) - set(fuse_lines))
    expect(page.locator("#map path.ln")).to_have_count(demo["all_lines"], timeout=30000)
    expect(page.locator("#map path.ln.st-on")).to_have_count(demo["all_lines"], timeout=30000)

    # A crew pulls the fuse: its marker and the lateral below it are in an outage, nothing else.
    operate(server, demo["crew"], "fuse", FUSE, "open", "crew pulls the fuse")
    expect(device("fuse", FUSE)).to_have_attribute("data-state", "outage", timeout=30000)
    for code in fuse_lines[:: max(1, len(fuse_lines) // 8)]:
        expect(line(code)).to_have_attribute("data-state", "outage", timeout=30000)
    expect(line(outside[0])).to_have_attribute("data-state", "on")
    expect(device("recloser", RECLOSER)).to_have_attribute("data-state", "on")
    expect(page.locator("#map [data-outage]")).to_have_count(1, timeout=30000)
    expect(page.locator("#kpi-scopes .scope-fuse + b")).to_have_text("1", timeout=30000)
    assert screens_without_clipping(page, screenshot_path, "demo-fuse-out") == []

    # The recloser locks out (its SCADA status): it and everything below it are in an outage.
    scada_lockout("recloser", RECLOSER)
    expect(device("recloser", RECLOSER)).to_have_attribute("data-state", "outage", timeout=30000)
    expect(device("recloser", RECLOSER)).to_have_class(
        re.compile(r"(^|\s)open(\s|$)"), timeout=30000
    )
    for code in outside[:: max(1, len(outside) // 10)]:
        expect(line(code)).to_have_attribute("data-state", "outage", timeout=30000)
    expect(page.locator("#outage-rows")).to_contain_text(RECLOSER, timeout=30000)
    expect(page.locator("#kpi-scopes .scope-recloser + b")).to_have_text("1", timeout=30000)
    # (The fuse's outage may be absorbed by the recloser's, which holds its meters: §5.)
    assert screens_without_clipping(page, screenshot_path, "demo-recloser-out") == []
    assert errors == []
    assert refused == []
