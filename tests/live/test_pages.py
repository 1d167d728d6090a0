"""`/healthz`, the dashboard page and its login, static files served by the ASGI app."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["channel_layer"] == "ok"
    assert body["relay"] in {"stopped", "standby", "leader"}


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from oms import views

    def broken():
        raise OSError("connection refused")

    broken.__name__ = "_database_ok"
    monkeypatch.setattr(views, "_database_ok", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert response.json()["channel_layer"] == "ok"


def test_healthz_is_503_when_the_channel_layer_is_down(client, monkeypatch):
    from oms import views

    class DeadLayer:
        async def group_send(self, group, message):
            raise ConnectionError("redis is gone")

    monkeypatch.setattr(views, "get_channel_layer", lambda: DeadLayer())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**response.json(), "database": "ok", "channel_layer": "error"}


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")
    assert client.get("/").status_code == 302


def test_the_login_page_leads_to_the_dashboard(client, operator):
    page = client.get("/accounts/login/?next=/dashboard/")
    assert page.status_code == 200 and b'id="id_username"' in page.content
    response = client.post(
        "/accounts/login/",
        {"username": "operator", "password": "wall-screen-1", "next": "/dashboard/"},
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert b'data-can-operate="true"' in dashboard.content
    assert b"outages/dashboard.js" in dashboard.content
    assert "csrftoken" in dashboard.cookies


def test_a_reader_sees_no_operator_actions(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("viewer", password="x"))
    assert b'data-can-operate="false"' in client.get("/dashboard/").content


async def test_the_asgi_app_serves_the_dashboard_files():
    """Daphne alone serves /static/ (no CDN, no proxy needed for a demo or a small site)."""
    from asgiref.testing import ApplicationCommunicator

    from oms.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/static/outages/dashboard.js",
        "raw_path": b"/static/outages/dashboard.js",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    assert start["type"] == "http.response.start" and start["status"] == 200
    body = b""
    while True:
        chunk = await communicator.receive_output(10)
        body += chunk.get("body", b"")
        if not chunk.get("more_body"):
            break
    assert b"/ws/outages/" in body
