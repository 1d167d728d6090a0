"""Hardening: login throttling with lockout (django-axes) for operators and admin, a
Content-Security-Policy on every page (django-csp), and the production switch (HTTPS=on:
SSL redirect with the probes exempt, HSTS, secure cookies) under which `check --deploy` is clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOGINS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def operator():
    return User.objects.create_user("operator", password="right-password", is_staff=True)


def sign_in(client, path, password, username="operator", address="10.0.0.7"):
    return client.post(
        path,
        {"username": username, "password": password, "next": "/dashboard/"},
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize("path", LOGINS)
def test_five_failures_lock_the_user_out_from_that_address(client, operator, settings, path):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert sign_in(client, path, "wrong").status_code == 200  # the form again
    assert sign_in(client, path, "right-password").status_code == 302  # 4 failures: still in
    client.logout()
    for _ in range(5):
        sign_in(client, path, "wrong")

    locked = sign_in(client, path, "right-password")

    assert locked.status_code == 429
    assert b"locked" in locked.content
    assert "_auth_user_id" not in client.session
    # Another address, or another user, is not locked out.
    assert sign_in(client, path, "right-password", address="10.0.0.8").status_code == 302


def test_a_lockout_ends_after_the_cool_off(client, operator, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        sign_in(client, "/accounts/login/", "wrong")
    assert sign_in(client, "/accounts/login/", "right-password").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME * 2)

    assert sign_in(client, "/accounts/login/", "right-password").status_code == 302


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/api/docs/", "/healthz"])
def test_every_page_carries_the_policy(client, path):
    policy = client.get(path)["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_api_docs_page_has_no_inline_script_or_style(client, operator):
    client.force_login(operator)
    page = client.get("/api/docs/").content.decode()

    assert "<style" not in page
    assert "<script>" not in page  # every script is a file (<script src=...>)


def test_https_redirects_pages_but_not_the_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/accounts/login/")["Location"].startswith("https://")
    assert client.get("/healthz").status_code in (200, 503)


def test_hsts_and_secure_cookies_when_switched_on(client, operator, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    page = client.get("/accounts/login/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert page.cookies["csrftoken"]["secure"]

    signed_in = client.post(
        "/accounts/login/",
        {"username": "operator", "password": "right-password"},
        secure=True,
        REMOTE_ADDR="10.0.0.9",
    )
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["secure"]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HTTPS", "SECURE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DEBUG": "off", "ALLOWED_HOSTS": "oms.example.org", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


PRODUCTION = {"HTTPS": "on", "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2}


def test_check_deploy_is_clean_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_them():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="short")

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert check in result.stderr


def test_https_on_switches_every_production_setting():
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; import json; print(json.dumps("
        "[s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER]))",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        **PRODUCTION,
    )

    assert json.loads(shown.stdout.strip().splitlines()[-1]) == [
        True, 31_536_000, True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"],
    ]  # fmt: skip
