"""The ingest models' admin: raw events are read-only, vocabulary is editable. (Lists,
searches and filters of every admin: tests/admin/test_admin.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ingest.models import OnuEvent, VocabularyTerm
from tests.ingest.conftest import post_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(client):
    client.force_login(User.objects.create_superuser("steward", "s@example.com", "pw"))
    return client


def test_raw_events_are_read_only(grid, ingest_client, steward):
    post_fixture(ingest_client, "providers/onu_last_gasp.json")
    row = OnuEvent.objects.get()
    url = reverse("admin:ingest_onuevent_change", args=[row.pk])

    page = steward.get(url)

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert steward.get(reverse("admin:ingest_onuevent_add")).status_code == 403


def test_vocabulary_term_added_in_admin(steward):
    response = steward.post(
        reverse("admin:ingest_vocabularyterm_add"),
        {"provider": "onu", "field": "type", "code": "ONU_DyingGasp", "evidence": "off"},
    )

    assert response.status_code == 302
    assert VocabularyTerm.objects.filter(code="ONU_DyingGasp", evidence="off").exists()


def test_device_status_terms_are_scadas_only(steward):
    url = reverse("admin:ingest_vocabularyterm_add")
    refused = steward.post(
        url, {"provider": "onu", "field": "type", "code": "ONU_Open", "evidence": "open"}
    )
    assert refused.status_code == 200  # the form again, with the error; nothing stored
    assert b"Only SCADA reports device statuses" in refused.content
    assert not VocabularyTerm.objects.filter(code="ONU_Open").exists()

    added = steward.post(
        url, {"provider": "scada", "field": "eventType", "code": "RCL_LOCKOUT", "evidence": "open"}
    )
    assert added.status_code == 302
    assert VocabularyTerm.objects.filter(code="RCL_LOCKOUT", evidence="open").exists()
