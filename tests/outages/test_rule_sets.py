"""Rule sets (issue 11 item 2, CONTRACT §11): the rules form named sets, exactly one active;
the engine reads the active set's values (else `normal`'s, else its built-in default);
operators switch the set through the API and admin, and every switch is logged."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from outages import actions
from outages.defaults import DEFAULT_RULES, NORMAL, RULE_NAMES, SET_RULES, install_rules
from outages.models import ACTIVE_STATUSES, CorrelationRule, Outage, RuleSet, RuleSetSwitch
from tests.live.helpers import ingest, kaifa

DP001 = [f"M4{n:07d}" for n in range(1, 21)]


def rule(name: str, default: float = -1) -> Decimal:
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_rule(%s, %s::numeric)", [name, default])
        return cursor.fetchone()[0]


def active_set() -> str:
    return RuleSet.objects.get(active=True).name


# --- The sets shipped, and how the engine reads them ----------------------------------------


def test_normal_holds_every_default_and_is_active_storm_only_its_changes(db):
    normal = RuleSet.objects.get(name=NORMAL)
    assert normal.active and active_set() == NORMAL
    assert {(r.rule_name, r.rule_type, r.value) for r in normal.rules.all()} == {
        (name, kind, Decimal(value)) for name, kind, value, _ in DEFAULT_RULES
    }
    storm = RuleSet.objects.get(name="storm")
    assert {(r.rule_name, r.value) for r in storm.rules.all()} == {
        (name, Decimal(value)) for set_name, name, value in SET_RULES if set_name == "storm"
    }
    # A storm waits for more evidence, over a wider window.
    assert rule("dp_rollup_fraction") == Decimal("0.5")
    assert storm.rules.get(rule_name="dp_rollup_fraction").value > Decimal("0.5")
    assert storm.rules.get(rule_name="rollup_window_minutes").value > Decimal("15")


def test_the_engine_reads_the_active_set_then_normal_then_the_default(db):
    actions.activate_rule_set(name="storm")
    assert rule("dp_rollup_fraction") == Decimal("0.6")  # storm's own value
    assert rule("weight_onu") == Decimal("0.6")  # not in storm: normal's
    assert rule("no_such_rule", 7) == 7  # in no set: the caller's default
    CorrelationRule.objects.filter(rule_set__name=NORMAL, rule_name="weight_onu").update(value=0.5)
    assert rule("weight_onu") == Decimal("0.5")
    actions.activate_rule_set(name=NORMAL)
    assert rule("dp_rollup_fraction") == Decimal("0.5")


def test_at_most_one_set_is_active_in_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSet.objects.filter(name="storm").update(active=True)
    assert active_set() == NORMAL


def test_installing_the_defaults_again_keeps_stewards_values_and_adds_missing_rules(db):
    from django.apps import apps

    CorrelationRule.objects.filter(rule_set__name=NORMAL, rule_name="weight_onu").update(value=0.3)
    CorrelationRule.objects.filter(
        rule_set__name=NORMAL, rule_name="momentary_max_minutes"
    ).delete()
    install_rules(apps, frozenset({"momentary_max_minutes", "weight_onu"}))
    normal = {r.rule_name: r.value for r in CorrelationRule.objects.filter(rule_set__name=NORMAL)}
    assert set(normal) == RULE_NAMES
    assert normal["weight_onu"] == Decimal("0.3")
    assert normal["momentary_max_minutes"] == Decimal("5")
    assert RuleSet.objects.filter(active=True).count() == 1


# --- The switch changes what the engine predicts, through the ingest endpoints --------------


@pytest.mark.parametrize(
    ("rule_set", "expected"),
    [(NORMAL, ["dp"]), ("storm", ["meter"] * 10)],
)
def test_the_same_last_gasps_make_a_dp_outage_under_normal_and_not_under_storm(
    grid, token_client, rule_set, expected
):
    operator = token_client("operate")
    if rule_set != NORMAL:
        response = operator.post(f"/api/rule-sets/{rule_set}/activate/", {}, format="json")
        assert response.status_code == 200, response.content
    # Half of DP001's 20 meters, one minute apart: normal's 0.5 of a DP, not storm's 0.6.
    for minute, meter in enumerate(DP001[:10]):
        ingest("kaifa", kaifa(meter, minutes=minute))

    outages = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert sorted(o.scope for o in outages) == expected
    if rule_set == NORMAL:
        assert outages.get().affected_meters_count == 20


def test_a_switch_applies_from_the_next_evidence_on(grid, token_client):
    operator = token_client("operate")
    assert operator.post("/api/rule-sets/storm/activate/", {}, format="json").status_code == 200
    for minute, meter in enumerate(DP001[:10]):
        ingest("kaifa", kaifa(meter, minutes=minute))
    assert not Outage.objects.filter(scope="dp", status__in=ACTIVE_STATUSES).exists()

    assert operator.post("/api/rule-sets/normal/activate/", {}, format="json").status_code == 200
    ingest("kaifa", kaifa(DP001[10], minutes=10))
    (outage,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert (outage.scope, outage.dp.dp_id, outage.affected_meters_count) == ("dp", "DP001", 20)


# --- The API --------------------------------------------------------------------------------


def test_the_api_lists_the_sets_with_their_rules(db, token_client):
    response = token_client("read").get("/api/rule-sets/")
    assert response.status_code == 200
    sets = {s["name"]: s for s in response.json()["results"]}
    assert set(sets) == {NORMAL, "storm"}
    assert (sets[NORMAL]["active"], sets["storm"]["active"]) == (True, False)
    assert {r["rule_name"] for r in sets[NORMAL]["rules"]} == RULE_NAMES
    storm = {r["rule_name"]: r["value"] for r in sets["storm"]["rules"]}
    assert storm["dp_rollup_fraction"] == "0.600"
    one = token_client("read").get("/api/rule-sets/STORM/")
    assert (one.status_code, one.json()["name"]) == (200, "storm")
    assert token_client("read").get("/api/rule-sets/hurricane/").status_code == 404


def test_activating_a_set_is_logged_and_answered(db, token_client):
    operator = token_client("operate")
    response = operator.post(
        "/api/rule-sets/storm/activate/", {"note": "storm front at 14:00"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rule_set"]["name"], body["rule_set"]["active"]) == ("storm", True)
    assert {k: body["switch"][k] for k in ("from_set", "to_set", "operator", "note")} == {
        "from_set": NORMAL,
        "to_set": "storm",
        "operator": "test-operate",
        "note": "storm front at 14:00",
    }
    assert active_set() == "storm"

    again = operator.post("/api/rule-sets/storm/activate/", {}, format="json")
    assert again.status_code == 409
    assert (again.json()["code"], "already active" in again.json()["detail"]) == ("conflict", True)
    unknown = operator.post("/api/rule-sets/hurricane/activate/", {}, format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert RuleSetSwitch.objects.count() == 1

    log = token_client("read").get("/api/rule-set-switches/").json()["results"]
    assert [(e["from_set"], e["to_set"], e["operator"]) for e in log] == [
        (NORMAL, "storm", "test-operate")
    ]


def test_switching_needs_the_operate_scope(db, token_client, api_client):
    assert api_client.post("/api/rule-sets/storm/activate/", {}).status_code == 401
    reader = token_client("read")
    refused = reader.post("/api/rule-sets/storm/activate/", {}, format="json")
    assert refused.status_code == 403
    assert "operate" in refused.json()["detail"]
    assert token_client("ingest:kaifa").get("/api/rule-sets/").status_code == 403
    assert (active_set(), RuleSetSwitch.objects.count()) == (NORMAL, 0)


@pytest.mark.parametrize(
    "body",
    [{"note": ["not", "text"]}, {"note": "x" * 2001}, {"note": None}],
    ids=["list", "too-long", "null"],
)
def test_a_bad_note_is_400_naming_the_field_and_changes_nothing(db, token_client, body):
    response = token_client("operate").post("/api/rule-sets/storm/activate/", body, format="json")
    assert response.status_code == 400
    assert "note" in response.json()
    assert (active_set(), RuleSetSwitch.objects.count()) == (NORMAL, 0)


def test_malformed_json_is_400(db, token_client):
    response = token_client("operate").post(
        "/api/rule-sets/storm/activate/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert (active_set(), RuleSetSwitch.objects.count()) == (NORMAL, 0)


@pytest.mark.django_db(transaction=True)
def test_two_operators_switching_at_once_one_wins_the_other_is_409(reference_data):
    from rest_framework.test import APIClient

    from oms.tokens import issue_token

    keys = [issue_token(f"desk-{n}", ["operate"]) for n in range(2)]
    barrier = threading.Barrier(2)
    answers = []

    def switch(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        try:
            answers.append(client.post("/api/rule-sets/storm/activate/", {}, format="json"))
        finally:
            connection.close()

    threads = [threading.Thread(target=switch, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert active_set() == "storm"
    assert list(RuleSetSwitch.objects.values_list("from_set", "to_set")) == [(NORMAL, "storm")]


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("desk", "desk@example.com", "pw")
    client.force_login(user)
    return client


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_an_operator_switches_the_set_with_the_admin_action(db, staff_client):
    storm = RuleSet.objects.get(name="storm")
    changelist = admin_url(RuleSet, "changelist")
    response = staff_client.post(
        changelist, {"action": "activate_rule_set", "_selected_action": [storm.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Rule set storm is active (was normal)." in response.content.decode()
    assert active_set() == "storm"
    (switch,) = RuleSetSwitch.objects.all()
    assert (switch.from_set, switch.to_set, switch.operator, switch.user.username) == (
        NORMAL,
        "storm",
        "desk",
        "desk",
    )
    # Two sets at once, or the active one again: refused, nothing logged.
    both = list(RuleSet.objects.values_list("pk", flat=True))
    staff_client.post(changelist, {"action": "activate_rule_set", "_selected_action": both})
    staff_client.post(changelist, {"action": "activate_rule_set", "_selected_action": [storm.pk]})
    assert (active_set(), RuleSetSwitch.objects.count()) == ("storm", 1)
    # The log is read-only.
    log_admin = admin.site._registry[RuleSetSwitch]
    assert not log_admin.has_change_permission(response.wsgi_request, switch)
    assert staff_client.get(admin_url(RuleSetSwitch, "changelist")).status_code == 200


def inline_data(rule_set: RuleSet, rows: list[dict], **extra) -> dict:
    rules = list(rule_set.rules.order_by("rule_type", "rule_name"))
    prefix = "rules"
    data = {
        "name": rule_set.name,
        "description": rule_set.description,
        f"{prefix}-TOTAL_FORMS": len(rules) + len(rows),
        f"{prefix}-INITIAL_FORMS": len(rules),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
        **extra,
    }
    for index, each in enumerate(rules):
        data.update(
            {
                f"{prefix}-{index}-id": each.pk,
                f"{prefix}-{index}-rule_set": rule_set.pk,
                f"{prefix}-{index}-rule_name": each.rule_name,
                f"{prefix}-{index}-value": each.value,
                f"{prefix}-{index}-description": each.description,
            }
        )
    for offset, row in enumerate(rows, start=len(rules)):
        data.update({f"{prefix}-{offset}-{key}": value for key, value in row.items()})
        data[f"{prefix}-{offset}-rule_set"] = rule_set.pk
    return data


def test_a_steward_adds_a_rule_to_storm_inline_and_the_engine_reads_it(db, staff_client):
    storm = RuleSet.objects.get(name="storm")
    page = admin_url(RuleSet, "change", storm.pk)
    bad = inline_data(storm, [{"rule_name": "weight_onu", "value": "1.5", "description": ""}])
    response = staff_client.post(page, bad)
    assert response.status_code == 200  # shown again, the value refused
    assert "A source weight is between 0 and 1." in response.content.decode()
    unknown = inline_data(storm, [{"rule_name": "weight_unknown", "value": "0.5"}])
    assert staff_client.post(page, unknown).status_code == 200
    assert not storm.rules.filter(rule_name__in=["weight_onu", "weight_unknown"]).exists()

    good = inline_data(storm, [{"rule_name": "weight_onu", "value": "0.3", "description": "x"}])
    assert staff_client.post(page, good).status_code == 302
    added = storm.rules.get(rule_name="weight_onu")
    assert (added.rule_type, added.value) == ("source_weight", Decimal("0.3"))
    actions.activate_rule_set(name="storm")
    assert rule("weight_onu") == Decimal("0.3")


def test_normal_keeps_every_rule_and_the_active_set_is_not_deleted(db, staff_client):
    normal = RuleSet.objects.get(name=NORMAL)
    page = staff_client.get(admin_url(RuleSet, "change", normal.pk))
    (inline,) = page.context["inline_admin_formsets"]
    assert not inline.has_add_permission and not inline.has_delete_permission
    assert staff_client.get(admin_url(RuleSet, "delete", normal.pk)).status_code == 403
    storm = RuleSet.objects.get(name="storm")
    actions.activate_rule_set(name="storm")
    assert staff_client.get(admin_url(RuleSet, "delete", storm.pk)).status_code == 403
    actions.activate_rule_set(name=NORMAL)
    assert (
        staff_client.post(admin_url(RuleSet, "delete", storm.pk), {"post": "yes"}).status_code
        == 302
    )
    assert not RuleSet.objects.filter(name="storm").exists()
    assert rule("dp_rollup_fraction") == Decimal("0.5")


def test_rule_sets_are_searched_by_a_rule_they_set(db, staff_client):
    found = staff_client.get(admin_url(RuleSet, "changelist"), {"q": "rollup_window"})
    assert {s.name for s in found.context["cl"].queryset} == {NORMAL, "storm"}
    found = staff_client.get(admin_url(RuleSet, "changelist"), {"q": "weight_onu"})
    assert {s.name for s in found.context["cl"].queryset} == {NORMAL}
