"""Every admin list and change page of every registered model, with a real row each, shows no
escaped markup (a link or line break shown as text) and, in a real Chromium, no table wider
than the box it sits in.

The rows come the way they come in production: the grid through import_grid, outages, sources,
timelines, meter links and status events through the ingest endpoints and the engine, one event
of each feed. The registry is iterated, so admins added later are covered too (and must have a
row here).
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.admin.conftest import a_storm_and_back, open_a_fuse_on_fd003
from tests.conftest import FIXTURES
from tests.e2e.conftest import browser, screenshot_path  # noqa: F401 (browser fixtures)

PROVIDERS = FIXTURES / "providers"
# Markup the admin meant as HTML but printed as text, or escaped twice.
ESCAPED_MARKUP = re.compile(
    r"&lt;/?(?:a|br|div|span|p|b|i|em|strong|small|code|pre|ul|ol|li|table|tr|td|th|img)"
    r"(?:\s|/|&gt;)"
    r"|&amp;(?:lt|gt|amp|quot|nbsp|middot|#\d+);",
    re.IGNORECASE,
)
VIEWPORTS = [(1366, 768), (1920, 1080)]


def registry():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def page_urls() -> list[tuple[str, str]]:
    """(what, url) of every changelist and of the first row's change page, for every model."""
    urls, empty = [], []
    for model in registry():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append((f"{opts.label} list", reverse(f"{prefix}_changelist")))
        row = model._default_manager.order_by("pk").first()
        if row is None:
            empty.append(opts.label)
            continue
        change = reverse(f"{prefix}_change", args=[row.pk])
        urls.append((f"{opts.label} #{row.pk}", change))
    assert not empty, f"no row to show for {empty}: make one in ingest_one_event_of_each_feed"
    # (or sign_in, for the login logs)
    return urls


def ingest_one_event_of_each_feed():
    """Through the ingest endpoints: a SCADA trip on FD001 (an outage with its sources,
    timeline, meter links and status events), an ONU last gasp and a KAIFA SOAP message inside
    it, a call-center ticket, a KAIFA message for a meter nobody knows (unmatched), a fuse
    opened and two rule-set switches."""
    from django.contrib.auth.models import Group
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    client = APIClient()
    key = issue_token("admin-pages", ["ingest:scada", "ingest:onu", "ingest:kaifa",
                                      "ingest:call_center"])  # fmt: skip
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    def post(provider, name, content_type="application/json"):
        body = (PROVIDERS / name).read_bytes()
        response = client.post(f"/api/ingest/{provider}/", body, content_type=content_type)
        assert response.status_code == 201, (name, response.content[:500])
        return response.json()

    trip = post("scada", "scada_loss_of_voltage.json")
    assert trip["outage_event_id"], trip
    post("onu", "onu_last_gasp.json")
    post("kaifa", "kaifa_power_outage_two_meters.xml", "text/xml")
    post("call_center", "callcenter_ticket.json")
    Group.objects.get_or_create(name="stewards")
    open_a_fuse_on_fd003()
    a_storm_and_back()


def sign_in(client, password: str) -> None:
    """The login form, as people use it: a stranger's failed attempt (kept in the lockout
    logs), then the steward's own sign-in (an access log)."""
    refused = client.post("/admin/login/", {"username": "intruder", "password": "guess"})
    assert refused.status_code == 200  # the form again, with its error
    signed_in = client.post("/admin/login/", {"username": "steward", "password": password})
    assert signed_in.status_code == 302, signed_in.content[:500]


@pytest.fixture
def steward(db, django_user_model):
    return django_user_model.objects.create_superuser("steward", "steward@example.com", "pw")


@pytest.mark.django_db
def test_no_admin_page_prints_markup_as_text(client, grid, steward):
    ingest_one_event_of_each_feed()
    sign_in(client, "pw")
    printed = {}
    for what, url in page_urls():
        response = client.get(url)
        assert response.status_code == 200, (what, url)
        found = ESCAPED_MARKUP.findall(response.content.decode())
        if found:
            printed[what] = sorted(set(found))
    assert printed == {}


def test_the_outage_evidence_is_three_links(client, grid, steward):
    """The case that was seen: an outage's evidence printed its links' HTML as text."""
    from outages.models import Outage

    ingest_one_event_of_each_feed()
    client.force_login(steward)
    outage = Outage.objects.get(scope="feeder")
    page = client.get(reverse("admin:outages_outage_change", args=[outage.pk])).content.decode()
    sources = reverse("admin:outages_outagesource_changelist")
    assert f'<a href="{sources}?outage__id__exact={outage.pk}">' in page
    assert f"{outage.source_count} sources</a> · " in page


# --- In a real browser ----------------------------------------------------------------------

# Tables (and their cells) that run past the box that holds them: cut off, or pushed into a
# scroll bar the steward has to find. `document` stands for the page itself.
OVERFLOW_SCRIPT = """
() => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    found.push(`page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  for (const table of document.querySelectorAll("#content table")) {
    if (!table.offsetParent) continue;  // hidden (a collapsed fieldset)
    const box = table.parentElement;
    const t = table.getBoundingClientRect(), b = box.getBoundingClientRect();
    const name = table.id || box.id || box.className || "table";
    if (t.right > b.right + 1 || t.left < b.left - 1)
      found.push(`${name}: ${Math.round(t.width)}px in a ${Math.round(b.width)}px box`);
    for (const cell of table.querySelectorAll("td, th")) {
      const style = getComputedStyle(cell);
      if (style.overflowX !== "visible" && cell.scrollWidth > cell.clientWidth + 1)
        found.push(`${name}: a cut cell "${cell.textContent.trim().slice(0, 40)}"`);
    }
  }
  return found;
}
"""


@pytest.fixture
def live_admin(reference_data, grid):
    """A Daphne on committed rows of every model, and the pages to visit (made before the
    browser starts: Playwright runs an event loop in this thread)."""
    from django.contrib.auth.models import User
    from django.test import Client

    from tests.live.servers import DaphneServer

    ingest_one_event_of_each_feed()
    User.objects.create_superuser("steward", "steward@example.com", "wide-tables-1")
    sign_in(Client(), "wide-tables-1")
    urls = page_urls()
    server = DaphneServer("admin-pages").start()
    try:
        yield server, urls
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_no_admin_table_overflows_its_box_in_a_browser(live_admin, browser, screenshot_path):  # noqa: F811
    server, urls = live_admin
    problems = {}
    for width, height in VIEWPORTS:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{server.url}/admin/login/")
        page.fill("#id_username", "steward")
        page.fill("#id_password", "wide-tables-1")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        for what, url in urls:
            response = page.goto(f"{server.url}{url}")
            assert response.status == 200, (what, url)
            text = page.inner_text("#content")
            escaped = re.findall(r"</?(?:a|br|div|span|p|strong)[\s/>]", text)
            found = page.evaluate(OVERFLOW_SCRIPT) + [f"shows {e!r}" for e in escaped]
            if found:
                problems[f"{what} at {width}x{height}"] = found
            if what.endswith(" list") and width == VIEWPORTS[0][0]:
                name = what.split()[0].replace(".", "-")
                page.screenshot(path=screenshot_path(f"admin-{name}-{width}.png"))
        page.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
