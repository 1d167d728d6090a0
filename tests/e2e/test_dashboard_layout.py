"""The dashboard fits the operators' screens: with real outages made through the ingest endpoints
(a feeder trip with a crew and an ETR, a DP roll-up from ONU last gasps, a customer call, a
restored feeder), nothing is cut off at 1366x768, 1440x900 or 1920x1080, and labels stay
legible; under a strict Content-Security-Policy the browser refuses nothing. Screenshots of each
size are written under pytest's temporary directory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.layout import layout_problems, report_refusals
from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = [(1366, 768), (1440, 900), (1920, 1080)]


def at(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def server(grid):
    instance = DaphneServer("e2e-layout", DJANGO_SETTINGS_MODULE="tests.e2e.strict_csp").start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def outages(server, db):
    """Four outages of every scope and a restored one, each made through its real feed."""
    from oms.tokens import issue_token

    feeds = issue_token("e2e-feeds", ["ingest:scada", "ingest:onu", "ingest:call_center"])
    operate = issue_token("e2e-operate", ["operate", "read"])

    def post(path, body, token=feeds):
        status, answer = server.post(path, body, token)
        assert status in (200, 201), (path, status, answer)
        return answer

    scada = {"alarmType": "De-energized", "substationId": "SS001", "voltage": 0.0}
    feeder = post("/api/ingest/scada/", {**scada, "eventType": "MV_AlarmLossOfVoltage",
                                          "feederId": "FD001", "timestamp": at(95)})  # fmt: skip
    post(
        f"/api/outages/{feeder['outage_event_id']}/transition/",
        {"status": "confirmed", "note": "breaker open", "crew": "Crew 7 (Sweileh North)",
         "estimated_restoration_time": at(-90)},
        operate,
    )  # fmt: skip
    # FD002 tripped and came back: a restored outage waiting for clearance.
    post("/api/ingest/scada/", {**scada, "eventType": "MV_AlarmLossOfVoltage",
                                "feederId": "FD002", "timestamp": at(40)})  # fmt: skip
    post("/api/ingest/scada/", {**scada, "eventType": "MV_AlarmRestoration",
                                "alarmType": "Energized", "feederId": "FD002", "voltage": 11000,
                                "timestamp": at(12)})  # fmt: skip
    # DP005 (FD003): twelve last gasps roll up to a DP outage.
    post("/api/ingest/onu/", {
        "eventId": "onu-layout-dp005", "type": "ONU_LastGaspAlert", "timestamp": at(25),
        "associatedMeters": [f"M400000{n}" for n in range(81, 93)],
        "alarmData": {"category": "power", "alarmType": "last_gasp"},
    })  # fmt: skip
    # A customer of DP006 calls: a low-confidence meter outage.
    post("/api/ingest/call_center/", {
        "ticketId": "TC-layout-1", "timestamp": at(3),
        "customer": {"phone": "+962-7-5550999", "meterNumber": "M40000113"},
        "notes": "No power since the storm",
    })  # fmt: skip
    return feeder


@pytest.fixture
def operator(db):
    from django.contrib.auth.models import User

    User.objects.create_user("operator", password="wall-screen-1", is_staff=True)
    return "operator", "wall-screen-1"


def test_the_dashboard_fits_and_stays_legible_at_the_control_room_sizes(
    server, outages, operator, browser, screenshot_path
):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = report_refusals(page)
    page.goto(f"{server.url}/dashboard/")
    page.fill("#id_username", operator[0])
    page.fill("#id_password", operator[1])
    page.click("#sign-in")
    expect(page.locator("#link-state")).to_have_attribute("data-state", "live", timeout=20000)
    expect(page.locator("#outage-rows tr[data-id]")).to_have_count(3, timeout=20000)
    expect(page.locator("#restored-rows tr[data-id]")).to_have_count(1, timeout=20000)
    expect(page.locator("#map path.m-on, #map path.m-off, #map path.m-unknown")).to_have_count(
        120, timeout=20000
    )
    page.locator(f'#outage-rows tr[data-id="{outages["outage_event_id"]}"]').click()
    expect(page.locator("#detail-body")).to_contain_text("Crew 7", timeout=20000)

    problems = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # let the grid settle after the resize (not an assertion)
        page.screenshot(path=screenshot_path(f"dashboard-{width}x{height}.png"))
        found = layout_problems(page)
        if found:
            problems[f"{width}x{height}"] = found
    # A device on the map opens its panel: DP005's own outage is there, one click away.
    # (FD003's head is drawn on DP005's spot in this grid: the click goes to the DP itself)
    page.locator('#map [data-device="dp:dp005"]').dispatch_event("click")
    body = page.locator("#detail-body")
    expect(body.locator(".detail-title")).to_contain_text("DP005")
    expect(body.locator("dt:text-is('Meters') + dd")).to_have_text("20 (20 off)")
    body.locator("#dev-outage").click()
    expect(body.locator("dt:text-is('Scope') + dd")).to_contain_text("DP005")
    report = [f"{size}: {problem}" for size, found in problems.items() for problem in found]
    assert problems == {}, "\n".join(report)
    assert errors == []
    assert refused == []
