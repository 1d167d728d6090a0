"""The network map in a real browser against a real Daphne under a strict CSP, on a real feeder
model: IEEE 9500 (three substations, 3,994 lines with geometry) imported by `import_feeder
opendss` is drawn with every line energized and its substations labelled; an operator opens a
switch from the map and sees it, its section's lines and DPs go dark, and the switching log
hold it. The screens at 1366x768 and 1920x1080 have no clipped panel. Screenshots go under
pytest's temporary directory."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.layout import layout_problems, report_refusals
from tests.live.servers import DaphneServer

REPO = Path(__file__).resolve().parents[2]
FEEDERS = Path(os.environ.get("OMS_FEEDER_FIXTURES", REPO.parent / "shared/fixtures/feeders"))
IEEE9500 = FEEDERS / "ieee9500/ieee9500_base.dss"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not IEEE9500.exists(), reason=f"no {IEEE9500} (OMS_FEEDER_FIXTURES)"),
]


@pytest.fixture
def ieee9500(db):
    from django.core.management import call_command

    call_command("import_feeder", "opendss", str(IEEE9500), "--origin", "31.95,35.91", verbosity=0)
    from topology.models import Line

    return Line.objects.count()


@pytest.fixture
def server(ieee9500):
    instance = DaphneServer("e2e-map", DJANGO_SETTINGS_MODULE="tests.e2e.strict_csp").start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import User

    User.objects.create_user("operator", password="wall-screen-1", is_staff=True)
    return "operator", "wall-screen-1"


def sign_in(page, server, operator):
    from playwright.sync_api import expect

    page.goto(f"{server.url}/dashboard/")
    page.fill("#id_username", operator[0])
    page.fill("#id_password", operator[1])
    page.click("#sign-in")
    expect(page.locator("#link-state")).to_have_attribute("data-state", "live", timeout=20000)


def screens_without_clipping(page, screenshot_path, name):
    problems = {}
    for width, height in [(1366, 768), (1920, 1080)]:
        page.set_viewport_size({"width": width, "height": height})
        page.click("#map-reset")
        page.wait_for_timeout(300)  # let the map settle after the resize (not an assertion)
        page.screenshot(path=screenshot_path(f"{name}-{width}x{height}.png"))
        if found := layout_problems(page):
            problems[f"{width}x{height}"] = found
    return [f"{size}: {problem}" for size, found in problems.items() for problem in found]


def test_an_imported_feeder_model_is_drawn_on_the_map(
    server, ieee9500, operator, browser, screenshot_path
):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = report_refusals(page)
    sign_in(page, server, operator)

    assert ieee9500 > 3000
    expect(page.locator("#map path.ln")).to_have_count(ieee9500, timeout=30000)
    expect(page.locator("#map path.ln.st-on")).to_have_count(ieee9500)  # every line fed, ties open
    labels = page.locator("#map .map-label:not(.dev-label)")
    expect(labels).to_have_count(3)
    for substation in ["hvmv69_11sub1", "hvmv69_11sub2", "hvmv69_11sub3"]:
        expect(labels.filter(has_text=substation)).to_be_visible()

    assert screens_without_clipping(page, screenshot_path, "ieee9500") == []
    assert errors == []
    assert refused == []


SWITCH = "ln0742811_sw"  # a closed switch of IEEE 9500 with a long lateral below it


def get(server, path, token):
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def below_switch(ieee9500):
    """The lines and DPs of the section the switch feeds, and a read token (before the browser
    starts: Playwright's loop makes the ORM refuse to run in the test body)."""
    from oms.tokens import issue_token
    from topology.models import Device, DistributionPoint, Line

    switch = Device.objects.get(kind="switch", code=SWITCH)
    assert switch.state == "closed"
    lines = Line.objects.filter(section=switch.section_b).values_list("code", flat=True)
    dps = DistributionPoint.objects.filter(section=switch.section_b).values_list("dp_id", flat=True)
    return sorted(lines), sorted(dps), issue_token("e2e-map-read", ["read"])


def test_an_operator_opens_a_switch_from_the_map_and_what_it_feeds_goes_dark(
    server, below_switch, operator, browser, screenshot_path
):
    from playwright.sync_api import expect

    below_lines, below_dps, reader = below_switch
    assert len(below_lines) > 50 and below_dps
    before = get(server, f"/api/devices/switch/{SWITCH}/", reader)

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = report_refusals(page)
    sign_in(page, server, operator)

    marker = page.locator(f'#map [data-device="switch:{SWITCH}"]')
    expect(marker).to_have_attribute("data-state", "on", timeout=30000)
    line = lambda code: page.locator(f'#map path.ln[data-line="{code}"]')  # noqa: E731
    dp = lambda code: page.locator(f'#map [data-device="dp:{code.lower()}"]')  # noqa: E731
    expect(line(below_lines[0])).to_have_attribute("data-state", "on")

    # Devices sit close together at this zoom: the click goes to the switch itself.
    marker.dispatch_event("click")
    body = page.locator("#detail-body")
    expect(body.locator(".detail-title")).to_contain_text(SWITCH)
    expect(body.locator("dt:text-is('State') + dd")).to_contain_text("closed")
    expect(body.locator("dt:text-is('Customers') + dd")).to_have_text(
        f"{before['customers_downstream']:,}"
    )
    page.fill("#op-note", "isolating the lateral for a crew")
    body.locator(".act-open").click()

    # The switch, its section's lines and DPs change colour on the map, pushed live.
    dark = re.compile(r"^(off|outage)$")
    expect(marker).to_have_attribute("data-state", dark, timeout=30000)
    expect(marker).to_have_class(re.compile(r"(^|\s)open(\s|$)"), timeout=30000)
    for code in below_lines[:: max(1, len(below_lines) // 10)]:
        expect(line(code)).to_have_attribute("data-state", dark, timeout=30000)
    for code in below_dps[:5]:
        expect(dp(code)).to_have_attribute("data-state", dark, timeout=30000)
    expect(page.locator("#map [data-outage]")).to_have_count(1, timeout=30000)  # its planned outage
    expect(body.locator("dt:text-is('State') + dd")).to_contain_text("open", timeout=30000)
    expect(body.locator(".switching-log")).to_contain_text("closed → open", timeout=30000)
    expect(page.locator("#event-log")).to_contain_text(
        f"switch {SWITCH} closed → open by operator", timeout=30000
    )

    # The switching log holds it: who, what, why.
    rows = get(server, f"/api/switching/?kind=switch&device={SWITCH}", reader)["results"]
    assert [(r["device_code"], r["from_state"], r["to_state"]) for r in rows] == [
        (SWITCH, "closed", "open")
    ]
    assert rows[0]["operator"] == operator[0]
    assert rows[0]["note"] == "isolating the lateral for a crew"

    assert screens_without_clipping(page, screenshot_path, "ieee9500-switched") == []
    assert errors == []
    assert refused == []
