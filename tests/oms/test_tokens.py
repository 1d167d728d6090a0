"""API tokens, beneath every door: issued by `oms_token` and admin (the key shown once, only its
hash kept), rotated and deactivated in admin, and carried over from `ingest` by the migrations
with their rows and keys intact."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from oms.models import ApiToken
from oms.tokens import hash_key, token_for_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("steward", "s@x.org", "pw"))
    return client


def shown_key(response) -> str:
    return re.search(r"shown only now: ([\w-]+)", response.content.decode()).group(1)


def test_oms_token_prints_a_working_key_and_rotation_replaces_it(capsys):
    call_command("oms_token", "scada-feed", "--scope", "ingest:scada", "--scope", "read")
    first = capsys.readouterr().out.strip().splitlines()[-1]
    call_command("oms_token", "scada-feed", "--scope", "ingest:scada")
    second = capsys.readouterr().out.strip().splitlines()[-1]

    assert token_for_key(first) is None
    token = token_for_key(second)
    assert (token.name, token.scopes) == ("scada-feed", ["ingest:scada"])
    assert ApiToken.objects.count() == 1


def test_token_created_in_admin_shows_its_key_once_and_keeps_its_hash(steward):
    response = steward.post(
        reverse("admin:oms_apitoken_add"),
        {"name": "hes-kaifa", "scopes": ["ingest:kaifa"], "is_active": "on"},
        follow=True,
    )

    key = shown_key(response)
    token = ApiToken.objects.get(name="hes-kaifa")
    assert (token.key_hash, token.prefix, token.scopes) == (
        hash_key(key),
        key[:8],
        ["ingest:kaifa"],
    )
    assert token_for_key(key) == token
    change = steward.get(reverse("admin:oms_apitoken_change", args=[token.pk])).content.decode()
    assert token.key_hash not in change and key not in change


def test_rotating_in_admin_gives_a_new_key_and_the_old_one_stops(steward):
    from oms.tokens import issue_token

    old = issue_token("hes-kaifa", ["ingest:kaifa"])
    token = ApiToken.objects.get()

    response = steward.post(
        reverse("admin:oms_apitoken_changelist"),
        {"action": "rotate_tokens", "_selected_action": [token.pk]},
        follow=True,
    )

    new = shown_key(response)
    assert token_for_key(old) is None
    assert token_for_key(new).pk == token.pk


def test_deactivating_in_admin_stops_the_key(steward):
    from oms.tokens import issue_token

    key = issue_token("hes-kaifa", ["ingest:kaifa"])
    steward.post(
        reverse("admin:oms_apitoken_changelist"),
        {"action": "deactivate_tokens", "_selected_action": [ApiToken.objects.get().pk]},
    )

    assert token_for_key(key) is None


def test_last_used_is_written_once_per_minute_not_per_request():
    from datetime import timedelta

    from oms.tokens import issue_token

    key = issue_token("busy-feed", ["ingest:onu"])
    token_for_key(key)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    token_for_key(key)
    assert ApiToken.objects.get().last_used_at == first  # again within the minute: no write
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    token_for_key(key)
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.django_db(transaction=True)
def test_a_key_issued_before_the_move_to_oms_still_works():
    """Migrate back to where tokens lived in `ingest`, store a key there, migrate forward."""
    from django.contrib.contenttypes.models import ContentType

    before = [("ingest", "0010_scada_meters_looked_up_by_key"), ("oms", None)]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old_apps = MigrationExecutor(connection).loader.project_state(before[0]).apps
        old_apps.get_model("ingest", "ApiToken").objects.create(
            name="legacy-feed", key_hash=hash_key("legacy-key"), prefix="legacy-k", scopes=["read"]
        )
        ContentType.objects.get_or_create(app_label="ingest", model="apitoken")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('ingest_api_tokens'), to_regclass('oms_api_tokens')")
        assert cursor.fetchone() == (None, "oms_api_tokens")
    token = token_for_key("legacy-key")
    assert (token.name, token.scopes) == ("legacy-feed", ["read"])
    ContentType.objects.clear_cache()
    assert ContentType.objects.filter(app_label="oms", model="apitoken").exists()
    assert not ContentType.objects.filter(app_label="ingest", model="apitoken").exists()
