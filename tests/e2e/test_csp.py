"""Every page works under the service's own Content-Security-Policy (django-csp, nothing added
by the test): the login page, the dashboard, admin (index, a changelist with filters, a change
form) and the API docs (Swagger UI) render, and the browser refuses nothing."""

from __future__ import annotations

import pytest

from tests.e2e.layout import report_refusals
from tests.live.servers import DaphneServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(grid):
    instance = DaphneServer("e2e-csp").start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def steward(db):
    from django.contrib.auth.models import User

    User.objects.create_superuser("steward", "steward@example.org", "steward-pw-1")
    return "steward", "steward-pw-1"


def test_pages_work_under_the_policy_and_nothing_is_refused(server, steward, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    refused = report_refusals(page)

    response = page.goto(f"{server.url}/dashboard/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.fill("#id_username", steward[0])
    page.fill("#id_password", steward[1])
    page.click("#sign-in")
    expect(page.locator("#link-state")).to_have_attribute("data-state", "live", timeout=20000)

    page.goto(f"{server.url}/admin/")
    expect(page.locator("#content h1")).to_be_visible()
    page.goto(f"{server.url}/admin/meters/meter/?q=M40000011")
    expect(page.locator("#result_list tbody tr").first).to_be_visible()
    page.goto(f"{server.url}/admin/oms/apitoken/add/")
    page.fill("#id_name", "csp-check")
    page.check("input[value='read']")
    page.click("input[name='_save']")
    expect(page.locator(".messagelist")).to_contain_text("shown only now")

    page.goto(f"{server.url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20000)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Outage Management")

    assert errors == []
    assert refused == []
