"""The network map in a real browser against a real Daphne under a strict CSP, on a real feeder
model: IEEE 9500 (three substations, 3,994 lines with geometry) imported by `import_feeder
opendss` is drawn with every line energized, its substations labelled, and the screens at
1366x768 and 1920x1080 have no clipped panel. Screenshots go under pytest's temporary
directory."""

from __future__ import annotations

import os
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
