"""The outage admin's lifecycle actions run the engine's real transition (outages.actions), as
the REST door does: legal moves happen with their timeline entry, the engine's refusals (an
illegal move) come back as a message naming the outage, never as a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from outages import actions
from outages.models import Outage, TimelineEntry
from tests.admin.test_admin import url
from tests.conftest import load_fixture

pytestmark = pytest.mark.django_db

TRIP = load_fixture("providers/scada_loss_of_voltage.json")


@pytest.fixture
def three_outages(grid, token_client):
    """Feeder outages opened by SCADA trips through the ingest endpoint: FD001 detected, FD002
    confirmed, FD003 moved all the way to cleared."""
    client = token_client("ingest:scada")
    ids = {}
    for substation, feeder in (("SS001", "FD001"), ("SS001", "FD002"), ("SS002", "FD003")):
        response = client.post(
            "/api/ingest/scada/",
            {**TRIP, "substationId": substation, "feederId": feeder},
            format="json",
        )
        assert response.status_code == 201, response.json()
        ids[feeder] = response.json()["outage_event_id"]
    actions.transition_outage(event_id=ids["FD002"], status="confirmed", actor="op")
    for status in ("confirmed", "in_progress", "restored", "cleared"):
        actions.transition_outage(event_id=ids["FD003"], status=status, actor="op")
    return ids


def run_action(steward_client, action, event_ids):
    pks = list(Outage.objects.filter(event_id__in=event_ids).values_list("pk", flat=True))
    response = steward_client.post(
        url(Outage, "changelist"), {"action": action, "_selected_action": pks}
    )
    assert response.status_code == 302, response.content
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def statuses(ids):
    return dict(
        Outage.objects.filter(event_id__in=ids.values()).values_list("feeder__feeder_id", "status")
    )


def test_cancel_moves_the_active_ones_and_reports_the_engines_refusal(
    steward_client, three_outages
):
    ids = three_outages
    sent = run_action(steward_client, "cancel_outages", ids.values())
    assert statuses(ids) == {"FD001": "cancelled", "FD002": "cancelled", "FD003": "cleared"}
    assert ("success", f"cancelled: {ids['FD001']}, {ids['FD002']}") in sent
    (refusal,) = [message for level, message in sent if level == "error"]
    assert refusal == f"refused: illegal transition of {ids['FD003']} from cleared to cancelled"
    entry = TimelineEntry.objects.filter(outage__event_id=ids["FD001"]).latest("id")
    assert (entry.event_type, entry.status, entry.actor) == (
        "status_change",
        "cancelled",
        "steward",
    )


def test_confirm_and_in_progress_follow_the_lifecycle(steward_client, three_outages):
    ids = three_outages
    sent = run_action(steward_client, "confirm_outages", [ids["FD001"], ids["FD002"]])
    assert statuses(ids)["FD001"] == "confirmed"
    assert ("info", f"already confirmed: {ids['FD002']}") in sent
    sent = run_action(steward_client, "start_work_on_outages", ids.values())
    assert statuses(ids) == {"FD001": "in_progress", "FD002": "in_progress", "FD003": "cleared"}
    assert ("success", f"in progress: {ids['FD001']}, {ids['FD002']}") in sent
    assert any(level == "error" and ids["FD003"] in message for level, message in sent)


def test_an_outage_deleted_meanwhile_is_reported(steward, three_outages, rf, monkeypatch):
    """Selected on the page, gone by the time the action runs: the engine's no_data_found."""
    from django.contrib import admin

    model_admin = admin.site._registry[Outage]
    request = rf.post("/admin/")
    request.user = steward
    sent = []
    model_admin.message_user = lambda request, message, level: sent.append(message)
    queryset = Outage.objects.filter(event_id=three_outages["FD001"])
    real = actions.transition_outage

    def deleted_first(**kwargs):
        Outage.objects.filter(event_id=kwargs["event_id"]).delete()
        return real(**kwargs)

    monkeypatch.setattr(actions, "transition_outage", deleted_first)
    model_admin.apply_lifecycle_action(request, queryset, "confirmed")
    assert sent == [f"refused: {three_outages['FD001']} no longer exists"]
