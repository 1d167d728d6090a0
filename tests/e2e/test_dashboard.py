"""The operator's dashboard in a real browser against a real Daphne: log in, watch an outage
arrive live after an ingest POST, confirm it from the screen, and keep a screenshot."""

from __future__ import annotations

import pytest

from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)

TRIP = {
    "eventType": "MV_AlarmLossOfVoltage",
    "alarmType": "De-energized",
    "substationId": "SS001",
    "feederId": "FD001",
    "timestamp": "2025-10-01T06:15:30Z",
}


@pytest.fixture
def server(grid):
    instance = DaphneServer("e2e").start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import User

    User.objects.create_user("operator", password="wall-screen-1", is_staff=True)
    return "operator", "wall-screen-1"


@pytest.fixture
def scada_token(db):
    from oms.tokens import issue_token

    return issue_token("e2e-scada", ["ingest:scada"])


def test_an_outage_appears_live_and_is_confirmed_from_the_dashboard(
    server, operator, scada_token, browser, screenshot_path
):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{server.url}/dashboard/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", operator[0])
    page.fill("#id_password", operator[1])
    page.click("#sign-in")
    expect(page.locator("#link-state")).to_have_attribute("data-state", "live", timeout=20000)
    expect(page.locator("#outage-rows")).to_contain_text("No active outages")
    expect(page.locator("#substation-bars")).to_contain_text("SS001")

    status, answer = server.post("/api/ingest/scada/", TRIP, scada_token)
    assert status == 201, answer
    event_id = answer["outage_event_id"]

    row = page.locator(f'#outage-rows tr[data-id="{event_id}"]')
    expect(row).to_be_visible(timeout=20000)  # pushed, no reload
    expect(row).to_contain_text("FD001")
    expect(row).to_contain_text("detected")
    expect(page.locator("#kpi-outages")).to_have_text("1")
    expect(page.locator("#map [data-outage]")).to_have_count(1)

    row.click()
    expect(page.locator("#detail-body")).to_contain_text(event_id)
    page.click("#detail-body .act-confirm")
    expect(row).to_contain_text("confirmed", timeout=20000)  # the push after the transition
    expect(page.locator("#kpi-confirmed")).to_have_text("1")
    expect(page.locator("#detail-body .chip").first).to_have_text("confirmed", timeout=20000)
    # Device counts follow the pushes: FD001's 40 meters are off.
    expect(page.locator("#kpi-meters-off")).to_have_text("40", timeout=20000)
    expect(page.locator("#map path.m-off")).to_have_count(40, timeout=20000)

    page.screenshot(path=screenshot_path("dashboard.png"), full_page=True)
    assert errors == []
