"""The stewards' admin: every registered page loads, search and filters work, logs are read-only,
edits re-derive the meters' topology without overwriting the engine's state, counts stay cheap.

The smoke tests iterate over `admin.site._registry`, so admins added later are covered too.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from meters.models import Customer, Meter, MeterStatusEvent
from oms.admin import EstimatedCountPaginator
from outages.models import CorrelationRule, Outage, OutageMeter, OutageSource, TimelineEntry
from topology.models import DistributionPoint, Feeder, FeederMeter, Substation, SubstationMeter

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODELS = [model for model, _ in REGISTRY]
READ_ONLY_LOGS = [
    MeterStatusEvent,
    OutageSource,
    TimelineEntry,
    OutageMeter,
    SubstationMeter,
    FeederMeter,
]


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def label(model):
    return model._meta.label


def request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def results(response):
    return list(response.context["cl"].result_list)


# --- Every registered admin -----------------------------------------------------------------


def test_every_master_data_and_log_model_is_registered():
    for model in [Substation, Feeder, DistributionPoint, Customer, Meter, CorrelationRule]:
        assert model in admin.site._registry
    for model in [Outage, *READ_ONLY_LOGS]:
        assert model in admin.site._registry


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def search_value(obj, path: str):
    """The value a steward would type to find `obj` by the search field `path`."""
    value = obj
    for name in path.lstrip("=^@").split("__"):
        value = getattr(value, name, None)
        if hasattr(value, "all"):  # a reverse or many-to-many relation: its first row
            value = value.order_by("pk").first()
    return None if value is None else str(value)


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_changelist_lists_searches_and_filters(steward_client, steward, records, model):
    """The changelist lists every row; each search field finds the first row by its value and
    a term no row holds finds nothing; every choice of every filter lists a subset, and the
    choices of a filter (dates aside) together list every row; the add page loads or is
    refused. Over `records`, which has rows of every model (else this fails, never skips)."""
    model_admin = admin.site._registry[model]
    everything = pks(model._default_manager.all())
    assert everything, f"records has no {model._meta.verbose_name}: add one, or it goes unchecked"
    response = steward_client.get(url(model, "changelist"))
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert pks(changelist.queryset) == everything

    first = model._default_manager.order_by("pk").first()
    for path in model_admin.search_fields:
        term = search_value(first, path)
        if term is None:
            continue
        found = steward_client.get(url(model, "changelist"), {"q": term}).context["cl"]
        assert first.pk in pks(found.queryset), (path, term)
    if model_admin.search_fields:
        none = steward_client.get(url(model, "changelist"), {"q": "nothing-matches-this"})
        assert pks(none.context["cl"].queryset) == set()

    for spec in changelist.filter_specs:
        listed = set()
        for choice in list(spec.choices(changelist))[1:]:  # the first is "All"
            filtered = steward_client.get(url(model, "changelist") + choice["query_string"])
            assert filtered.status_code == 200, (spec.title, choice["query_string"])
            rows = pks(filtered.context["cl"].queryset)
            assert rows <= everything, (spec.title, choice["query_string"])
            listed |= rows
        if not isinstance(spec, admin.DateFieldListFilter):
            assert listed == everything, f"rows no choice of the {spec.title} filter lists"

    add = steward_client.get(url(model, "add"))
    if model_admin.has_add_permission(request_for(steward)):
        assert add.status_code == 200
    else:
        assert add.status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_change_page_shows_the_row(steward_client, records, model):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"records has no {model._meta.verbose_name}"
    response = steward_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"].pk == obj.pk
    assert escape(str(obj)) in response.content.decode()


def test_admin_pages_need_staff(client, records):
    response = client.get(url(Meter, "changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Read-only logs -------------------------------------------------------------------------


@pytest.mark.parametrize("model", READ_ONLY_LOGS, ids=label)
def test_logs_refuse_add_change_and_delete(steward_client, steward, records, model):
    obj = model._default_manager.order_by("pk").first()
    before = model._default_manager.count()
    model_admin = admin.site._registry[model]
    request = request_for(steward)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert model_admin.has_view_permission(request, obj)

    assert steward_client.get(url(model, "add")).status_code == 403
    assert steward_client.post(url(model, "add"), {}).status_code == 403
    assert steward_client.post(url(model, "change", obj.pk), {}).status_code == 403
    assert steward_client.get(url(model, "delete", obj.pk)).status_code == 403
    assert steward_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    bulk = steward_client.post(
        url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk]}
    )
    assert bulk.status_code in (200, 302)  # no such action: the changelist says so
    assert model._default_manager.count() == before


# --- Search and filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("M40000001", {"M40000001"}),
        ("M40000002, M40000003 M40000004", {"M40000002", "M40000003", "M40000004"}),
        ("KFM-00077123", {"M40000003"}),  # KAIFA asset mRID
        ("CUST_00000041", {"M40000041", "M40000042"}),  # one customer, two meters
        ("+962-7-5550123", {"M40000001"}),  # the customer's phone
        ("m40000001", set()),  # exact: meter numbers are typed whole
    ],
)
def test_meter_search(steward_client, grid, term, expected):
    response = steward_client.get(url(Meter, "changelist"), {"q": term})
    assert {meter.meter_number for meter in results(response)} == expected


def test_meter_search_by_dp_code_and_onu_id(steward_client, grid):
    by_dp = steward_client.get(url(Meter, "changelist"), {"q": "DP003"})
    assert response_count(by_dp) == 20
    onu = Meter.objects.exclude(onu_id=None).values_list("onu_id", flat=True).first()
    by_onu = steward_client.get(url(Meter, "changelist"), {"q": onu})
    expected = set(Meter.objects.filter(onu_id=onu).values_list("meter_number", flat=True))
    assert {meter.meter_number for meter in results(by_onu)} == expected


def response_count(response):
    return response.context["cl"].result_count


def test_meter_filters_by_feeder_and_power_status(steward_client, grid):
    feeder = Feeder.objects.get(feeder_id="FD001")
    by_feeder = steward_client.get(url(Meter, "changelist"), {"feeder__id__exact": feeder.pk})
    assert response_count(by_feeder) == 40
    Meter.objects.filter(meter_number__in=["M40000001", "M40000002"]).update(power_status="off")
    off = steward_client.get(url(Meter, "changelist"), {"power_status__exact": "off"})
    assert {meter.meter_number for meter in results(off)} == {"M40000001", "M40000002"}


def test_customer_search_by_phone_and_meter(steward_client, grid):
    response = steward_client.get(url(Customer, "changelist"), {"q": "+962-7-5550123"})
    assert [customer.customer_id for customer in results(response)] == ["CUST_00000001"]
    response = steward_client.get(url(Customer, "changelist"), {"q": "M40000042"})
    assert [customer.customer_id for customer in results(response)] == ["CUST_00000041"]


def test_device_search_and_counts(steward_client, grid):
    response = steward_client.get(url(Feeder, "changelist"), {"q": "Sweileh"})
    feeders = {feeder.feeder_id: feeder for feeder in results(response)}
    assert set(feeders) == {"FD001", "FD002"}
    assert (feeders["FD001"].dp_count, feeders["FD001"].meter_count) == (2, 40)
    substations = results(steward_client.get(url(Substation, "changelist")))
    assert [(s.substation_id, s.feeder_count, s.meter_count) for s in substations] == [
        ("SS001", 2, 80),
        ("SS002", 1, 40),
    ]
    dps = results(steward_client.get(url(DistributionPoint, "changelist"), {"q": "FD003"}))
    assert sorted((dp.dp_id, dp.meter_count) for dp in dps) == [("DP005", 20), ("DP006", 20)]


def test_status_event_log_search(steward_client, records):
    response = steward_client.get(url(MeterStatusEvent, "changelist"), {"q": "M40000001"})
    found = pks(response.context["cl"].queryset)
    # The trip, the ONU last gasp and the call each left M40000001 an event.
    expected = pks(MeterStatusEvent.objects.filter(meter__meter_number="M40000001"))
    assert found == expected and len(found) >= 2
    assert {"scada", "onu"} <= {
        event.source_type for event in MeterStatusEvent.objects.filter(pk__in=found)
    }
    # SS002's meters heard of nothing.
    response = steward_client.get(url(MeterStatusEvent, "changelist"), {"q": "M40000120"})
    assert results(response) == []


def test_outage_search_and_active_filter(steward_client, records):
    from ingest import actions
    from tests.conftest import load_fixture

    trip = {**load_fixture("providers/scada_loss_of_voltage.json"), "substationId": "SS002"}
    close = {**load_fixture("providers/scada_restoration.json"), "substationId": "SS002"}
    actions.ingest_scada_events([{**trip, "feederId": "FD003"}])
    actions.ingest_scada_events([{**close, "feederId": "FD003"}])
    ended = Outage.objects.get(feeder__feeder_id="FD003")
    assert ended.status == "restored"

    response = steward_client.get(url(Outage, "changelist"), {"q": records.event_id})
    assert [outage.event_id for outage in results(response)] == [records.event_id]
    response = steward_client.get(url(Outage, "changelist"), {"q": "SCADA Event: SS001 / FD001"})
    assert [outage.event_id for outage in results(response)] == [records.event_id]
    active = steward_client.get(url(Outage, "changelist"), {"active": "yes"})
    assert [outage.event_id for outage in results(active)] == [records.event_id]
    no_longer = steward_client.get(url(Outage, "changelist"), {"active": "no"})
    assert [outage.event_id for outage in results(no_longer)] == [ended.event_id]


# --- Edits: the DP is the fact, the engine's state is not the form's ------------------------


def meter_topology(number):
    meter = Meter.objects.select_related("dp", "feeder", "substation").get(meter_number=number)
    mapped = (
        list(FeederMeter.objects.filter(meter=meter).values_list("feeder__feeder_id", flat=True)),
        list(
            SubstationMeter.objects.filter(meter=meter).values_list(
                "substation__substation_id", flat=True
            )
        ),
    )
    return meter.dp.dp_id, meter.feeder.feeder_id, meter.substation.substation_id, mapped


def change_form_data(response):
    """The POST data of a loaded change form, as a browser would send it unchanged."""
    adminform = response.context["adminform"]
    data = {}
    for name in adminform.form.fields:
        value = adminform.form[name].value()
        if value is None:
            value = ""
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def test_meter_save_rederives_topology_and_keeps_the_engines_state(steward_client, grid):
    meter = Meter.objects.get(meter_number="M40000001")
    page = steward_client.get(url(Meter, "change", meter.pk))
    data = change_form_data(page)
    # Meanwhile the engine turns the meter off.
    Meter.objects.filter(pk=meter.pk).update(power_status="off", communication_status="online")
    data["dp"] = DistributionPoint.objects.get(dp_id="DP005").pk
    response = steward_client.post(url(Meter, "change", meter.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert meter_topology("M40000001") == ("DP005", "FD003", "SS002", (["FD003"], ["SS002"]))
    meter.refresh_from_db()
    assert (meter.power_status, meter.communication_status) == ("off", "online")


def test_dp_moved_to_another_feeder_moves_its_meters(steward_client, grid):
    dp = DistributionPoint.objects.get(dp_id="DP001")
    data = change_form_data(steward_client.get(url(DistributionPoint, "change", dp.pk)))
    data["feeder"] = Feeder.objects.get(feeder_id="FD003").pk
    response = steward_client.post(url(DistributionPoint, "change", dp.pk), data)
    assert response.status_code == 302
    assert meter_topology("M40000001") == ("DP001", "FD003", "SS002", (["FD003"], ["SS002"]))
    assert FeederMeter.objects.filter(feeder__feeder_id="FD003").count() == 60


def test_feeder_moved_to_another_substation_moves_its_meters(steward_client, grid):
    feeder = Feeder.objects.get(feeder_id="FD003")
    data = change_form_data(steward_client.get(url(Feeder, "change", feeder.pk)))
    data["substation"] = Substation.objects.get(substation_id="SS001").pk
    response = steward_client.post(url(Feeder, "change", feeder.pk), data)
    assert response.status_code == 302
    assert SubstationMeter.objects.filter(substation__substation_id="SS001").count() == 120
    assert Meter.objects.filter(substation__substation_id="SS002").count() == 0


def test_meter_added_in_admin_is_mapped(steward_client, grid):
    page = steward_client.get(url(Meter, "add"))
    assert page.status_code == 200
    data = {
        "meter_number": "M49999999",
        "meter_type": "smart",
        "status": "active",
        "customer": Customer.objects.get(customer_id="CUST_00000001").pk,
        "dp": DistributionPoint.objects.get(dp_id="DP006").pk,
        "asset_mrid": "",
        "usage_point_mrid": "",
        "onu_id": "",
        "onu_serial_no": "",
        "location_lat": "",
        "location_lng": "",
        "building_id": "",
    }
    response = steward_client.post(url(Meter, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert meter_topology("M49999999") == ("DP006", "FD003", "SS002", (["FD003"], ["SS002"]))
    assert Meter.objects.get(meter_number="M49999999").asset_mrid is None


def test_meter_with_history_cannot_be_deleted_but_one_without_can(steward_client, records):
    with_history = Meter.objects.get(meter_number="M40000001")
    response = steward_client.post(url(Meter, "delete", with_history.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Meter.objects.filter(pk=with_history.pk).exists()

    fresh = Meter.objects.get(meter_number="M40000120")
    assert FeederMeter.objects.filter(meter=fresh).exists()  # derived rows do not block it
    response = steward_client.post(url(Meter, "delete", fresh.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Meter.objects.filter(pk=fresh.pk).exists()
    assert not FeederMeter.objects.filter(meter_id=fresh.pk).exists()


# --- Outages --------------------------------------------------------------------------------


def test_outage_admin_edits_the_description_only(steward_client, steward, records):
    outage = records
    model_admin = admin.site._registry[Outage]
    request = request_for(steward)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request, outage)
    assert steward_client.post(url(Outage, "delete", outage.pk), {"post": "yes"}).status_code == 403

    page = steward_client.get(url(Outage, "change", outage.pk))
    assert set(page.context["adminform"].form.fields) == {"description"}
    scada = outage.sources.get(source_type="scada").source_event_id
    assert escape(scada) in page.content.decode()  # the sources inline
    data = change_form_data(page)
    # Meanwhile the engine counts more meters.
    Outage.objects.filter(pk=outage.pk).update(affected_meters_count=80, status="confirmed")
    data.update(description="Crew dispatched to the FD001 breaker", affected_meters_count=1)
    response = steward_client.post(url(Outage, "change", outage.pk), data)
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.description == "Crew dispatched to the FD001 breaker"
    assert (outage.affected_meters_count, outage.status) == (80, "confirmed")


def test_outage_inlines_show_the_first_rows_only(steward_client, records, monkeypatch):
    from outages.admin import FirstRowsFormSet

    TimelineEntry.objects.bulk_create(
        TimelineEntry(outage=records, event_type="note", event_timestamp=records.first_detected_at)
        for _ in range(5)
    )
    monkeypatch.setattr(FirstRowsFormSet, "max_rows", 3)
    page = steward_client.get(url(Outage, "change", records.pk))
    timeline = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.model is TimelineEntry
    )
    assert len(timeline.formset.forms) == 3


def test_correlation_rules_are_edited_in_the_list(steward_client, db):
    rule = CorrelationRule.objects.get(rule_name="weight_onu")
    rules = list(CorrelationRule.objects.order_by("rule_type", "rule_name"))
    data = {
        "form-TOTAL_FORMS": len(rules),
        "form-INITIAL_FORMS": len(rules),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for index, each in enumerate(rules):
        data[f"form-{index}-id"] = each.pk
        data[f"form-{index}-value"] = "0.7" if each.pk == rule.pk else each.value
    response = steward_client.post(url(CorrelationRule, "changelist"), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert str(rule.value) == "0.700"

    bad = {**data, **{f"form-{rules.index(rule)}-value": "1.5"}}
    response = steward_client.post(url(CorrelationRule, "changelist"), bad)
    assert response.status_code == 200  # shown again with the error
    rule.refresh_from_db()
    assert str(rule.value) == "0.700"
    assert steward_client.get(url(CorrelationRule, "add")).status_code == 403


def test_correlation_rule_change_form_keeps_the_name(steward_client, db):
    rule = CorrelationRule.objects.get(rule_name="weight_kaifa")
    page = steward_client.get(url(CorrelationRule, "change", rule.pk))
    assert set(page.context["adminform"].form.fields) == {"value", "description"}
    data = {"value": "0.75", "description": "tuned", "rule_name": "renamed"}
    assert steward_client.post(url(CorrelationRule, "change", rule.pk), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.rule_name, str(rule.value), rule.description) == (
        "weight_kaifa",
        "0.750",
        "tuned",
    )


# --- Query counts and the paginator ---------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "M40000001 DP003 +962-7-5550123"}, {"power_status__exact": "unknown", "p": 2}],
    ids=["plain", "search", "filtered"],
)
def test_meter_changelist_queries_are_bounded(
    steward_client, grid, django_assert_max_num_queries, params
):
    steward_client.get(url(Meter, "changelist"))  # warm the session
    # session, user, substation and feeder filter choices, estimate, bounded count, one page
    with django_assert_max_num_queries(8):
        response = steward_client.get(url(Meter, "changelist"), params)
    assert response.status_code == 200
    assert len(results(response)) > 0


@pytest.mark.parametrize("model", [Customer, MeterStatusEvent, Outage, OutageMeter], ids=label)
def test_big_changelists_queries_are_bounded(
    steward_client, records, django_assert_max_num_queries, model
):
    steward_client.get(url(model, "changelist"))
    with django_assert_max_num_queries(10):
        assert steward_client.get(url(model, "changelist")).status_code == 200


def test_unfiltered_count_of_a_big_table_is_the_planners_estimate(grid, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE oms_meters")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 10)
    paginator = EstimatedCountPaginator(Meter.objects.order_by("meter_number"), 100)
    assert paginator.count == 120  # the estimate, exact here because the table was analysed
    assert paginator.count_qualifier == "about"


def test_unfiltered_count_of_a_small_table_is_exact(grid, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE oms_meters")
    monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 50)
    paginator = EstimatedCountPaginator(Meter.objects.order_by("meter_number"), 100)
    assert (paginator.count, paginator.count_qualifier) == (120, "")


def test_filtered_count_stops_at_the_limit(grid, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 50)
    paginator = EstimatedCountPaginator(Meter.objects.filter(power_status="unknown"), 10)
    with django_assert_num_queries(1):
        assert paginator.count == 50
    assert paginator.count_qualifier == "more than"
    small = EstimatedCountPaginator(Meter.objects.filter(dp__dp_id="DP001"), 10)
    assert (small.count, small.count_qualifier) == (20, "")


def test_changelist_prints_the_qualifier(steward_client, grid, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "count_limit", 50)
    response = steward_client.get(url(Meter, "changelist"), {"status__exact": "active"})
    assert b"more than 50 meters" in response.content


# --- CSV export and import ------------------------------------------------------------------


def format_index(form, title="csv"):
    return next(value for value, name in form.fields["format"].choices if name == title)


def export_csv(steward_client, model, params=""):
    export_url = url(model, "export") + params
    form = steward_client.get(export_url).context["form"]
    data = {"format": format_index(form), "resource": "0"}
    selectable = set(form.fields) - {"format", "resource", "export_items"}
    data.update({name: "on" for name in selectable})
    response = steward_client.post(export_url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_meter_export_returns_the_meters_with_codes(steward_client, grid):
    rows = export_csv(steward_client, Meter)
    assert len(rows) == 120
    first = next(row for row in rows if row["meter_number"] == "M40000001")
    assert (first["customer_id"], first["dp_id"], first["feeder_id"], first["substation_id"]) == (
        "CUST_00000001",
        "DP001",
        "FD001",
        "SS001",
    )


def test_meter_export_follows_the_changelist_filter(steward_client, grid):
    feeder = Feeder.objects.get(feeder_id="FD003")
    rows = export_csv(steward_client, Meter, f"?feeder__id__exact={feeder.pk}")
    assert len(rows) == 40
    assert {row["feeder_id"] for row in rows} == {"FD003"}


def test_export_of_selected_meters(steward_client, grid):
    """The "export selected" action checks the posted ids against the changelist, not against
    a list of every meter id."""
    picked = list(
        Meter.objects.filter(meter_number__in=["M40000007", "M40000099"]).values_list(
            "pk", flat=True
        )
    )
    form = steward_client.get(url(Meter, "export")).context["form"]
    data = {name: "on" for name in set(form.fields) - {"format", "resource", "export_items"}}
    data.update(format=format_index(form), resource="0", export_items=picked)
    response = steward_client.post(url(Meter, "export"), data)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["meter_number"] for row in rows) == ["M40000007", "M40000099"]


@pytest.mark.parametrize("model", [Substation, Feeder, DistributionPoint, Customer], ids=label)
def test_master_data_export(steward_client, grid, model):
    rows = export_csv(steward_client, model)
    assert len(rows) == model.objects.count()


def meters_csv(rows):
    columns = [
        "meter_number",
        "meter_type",
        "customer_id",
        "dp_id",
        "location_lat",
        "location_lng",
        "building_id",
        "asset_mrid",
        "usage_point_mrid",
        "onu_id",
        "onu_serial_no",
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({column: "" for column in columns} | row)
    return out.getvalue().encode()


def import_through_admin(steward_client, model, content: bytes):
    """The import-export workflow: upload, dry-run preview, confirm."""
    import_url = url(model, "import")
    form = steward_client.get(import_url).context["form"]
    upload = SimpleUploadedFile("meters.csv", content, content_type="text/csv")
    preview = steward_client.post(
        import_url, {"format": format_index(form), "resource": "0", "import_file": upload}
    )
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), [
        (row.number, row.error_dict) for row in result.invalid_rows
    ]
    confirm = preview.context["confirm_form"]
    response = steward_client.post(url(model, "process_import"), confirm.initial)
    assert response.status_code == 302
    return result


def test_meter_csv_import_upserts_by_meter_number(steward_client, grid):
    content = meters_csv(
        [
            # moved to a DP of another feeder and substation, with a new mRID
            {
                "meter_number": "M40000001",
                "meter_type": "Kaifa",
                "customer_id": "CUST_00000001",
                "dp_id": "DP005",
                "asset_mrid": "KFM-NEW-1",
            },
            # unchanged but for the building
            {
                "meter_number": "M40000002",
                "customer_id": "CUST_00000002",
                "dp_id": "DP001",
                "building_id": "BLDG_NEW",
                "onu_id": "4101207",
            },
            # new meters, blank mRIDs (NULL, not a second "" under the unique constraint)
            {"meter_number": "M49000001", "customer_id": "CUST_00000003", "dp_id": "DP002"},
            {"meter_number": "M49000002", "dp_id": "DP002"},
        ]
    )
    result = import_through_admin(steward_client, Meter, content)
    assert (result.totals["new"], result.totals["update"]) == (2, 2)
    assert Meter.objects.count() == 122
    assert Meter.objects.filter(meter_number="M40000001").count() == 1
    moved = Meter.objects.get(meter_number="M40000001")
    assert (moved.meter_type, moved.asset_mrid) == ("kaifa", "KFM-NEW-1")
    assert meter_topology("M40000001") == ("DP005", "FD003", "SS002", (["FD003"], ["SS002"]))
    assert meter_topology("M49000002") == ("DP002", "FD001", "SS001", (["FD001"], ["SS001"]))
    assert Meter.objects.get(meter_number="M49000002").asset_mrid is None
    assert Meter.objects.get(meter_number="M40000002").building_id == "BLDG_NEW"
    assert FeederMeter.objects.count() == SubstationMeter.objects.count() == 122

    again = import_through_admin(steward_client, Meter, content)
    assert again.totals["skip"] == 4
    assert Meter.objects.count() == 122


def test_meter_import_of_the_grid_file_through_the_resource_changes_nothing(grid):
    import tablib

    from meters.resources import MeterResource
    from tests.conftest import GRID_DIR

    dataset = tablib.Dataset().load((GRID_DIR / "meters.csv").read_text(), format="csv")
    result = MeterResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 120
    assert Meter.objects.count() == 120


def test_meter_import_reports_unknown_codes_on_their_row(grid):
    import tablib

    from meters.resources import MeterResource

    content = meters_csv(
        [
            {"meter_number": "M49000001", "dp_id": "DP999"},
            {"meter_number": "M49000002", "customer_id": "NOBODY", "dp_id": "DP001"},
            {"meter_number": "M49000003", "meter_type": "steam", "dp_id": "DP001"},
        ]
    )
    dataset = tablib.Dataset().load(content.decode(), format="csv")
    result = MeterResource().import_data(dataset, dry_run=True)
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {1, 2, 3}
    assert "'DP999' is not in the registry" in str(errors[1]["dp"])
    assert "'NOBODY' is not in the registry" in str(errors[2]["customer"])
    assert "meter_type" in errors[3]
    assert not Meter.objects.filter(meter_number__startswith="M49").exists()


def test_meter_import_never_overwrites_the_engines_state(grid, monkeypatch):
    """The engine may turn a meter off between the import loading it and saving it."""
    import tablib

    from meters.resources import MeterResource

    original = MeterResource.before_save_instance

    def engine_writes_meanwhile(self, instance, row, **kwargs):
        Meter.objects.filter(pk=instance.pk).update(power_status="off")
        original(self, instance, row, **kwargs)

    monkeypatch.setattr(MeterResource, "before_save_instance", engine_writes_meanwhile)
    content = meters_csv([{"meter_number": "M40000005", "dp_id": "DP001", "building_id": "B9"}])
    dataset = tablib.Dataset().load(content.decode(), format="csv")
    result = MeterResource().import_data(dataset, dry_run=False)
    assert result.totals["update"] == 1
    meter = Meter.objects.get(meter_number="M40000005")
    assert (meter.building_id, meter.power_status) == ("B9", "off")


def test_dp_import_moves_meters(grid):
    import tablib

    from topology.resources import DistributionPointResource

    dataset = tablib.Dataset(
        ["DP006", "FD001", "Jubaiha TX-2", "", "", ""],
        headers=["dp_id", "feeder_id", "name", "location_lat", "location_lng", "building_id"],
    )
    result = DistributionPointResource().import_data(dataset, dry_run=False)
    assert result.totals["update"] == 1, [r.error_dict for r in result.invalid_rows]
    assert Meter.objects.filter(feeder__feeder_id="FD001").count() == 60
    assert FeederMeter.objects.filter(feeder__feeder_id="FD001").count() == 60


def test_customer_import_keyed_by_code(grid):
    import tablib

    from meters.resources import CustomerResource

    dataset = tablib.Dataset(
        ["CUST_00000001", "+962-7-0000000", "New address", "BLDG_001", "DP001", "", ""],
        ["CUST_NEW", "+962-7-1111111", "Somewhere", "", "", "", ""],
        headers=[
            "customer_id",
            "phone",
            "address",
            "building_id",
            "dp_id",
            "location_lat",
            "location_lng",
        ],
    )
    result = CustomerResource().import_data(dataset, dry_run=False)
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    assert Customer.objects.get(customer_id="CUST_00000001").phone == "+962-7-0000000"
    assert Customer.objects.count() == 120
