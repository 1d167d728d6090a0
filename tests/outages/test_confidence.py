"""Confidence that means something (issue 11 item 3, CONTRACT §11): the estimate that an outage
stands at the right device, from the evidence for that device — telemetry there, the share of
its meters reporting off, its customers' calls, an operator's confirmation. Through the ingest
endpoints, on the small grid (FD001: DP001 M40000001…20, DP002 M40000021…40)."""

from __future__ import annotations

from decimal import Decimal

from outages import actions
from outages.models import ACTIVE_STATUSES, CorrelationRule, Outage, RuleSet
from tests.live.helpers import at, ingest, kaifa, scada

DP001 = [f"M4{n:07d}" for n in range(1, 21)]
DP002 = [f"M4{n:07d}" for n in range(21, 41)]


def gasps(meters, minutes: float = 0, restored: bool = False) -> None:
    for meter in meters:
        ingest("kaifa", kaifa(meter, restored=restored, minutes=minutes))


def call(meter: str, ticket: str, minutes: float = 1) -> None:
    ingest(
        "call_center",
        {"ticketId": ticket, "timestamp": at(minutes), "customer": {"meterNumber": meter}},
    )


def the_outage(scope: str) -> Outage:
    return Outage.objects.get(scope=scope, status__in=ACTIVE_STATUSES)


def confidence(scope: str) -> Decimal:
    return the_outage(scope).confidence_score


def test_one_meters_last_gasp_is_low(grid):
    gasps(DP001[:1])
    assert confidence("meter") < Decimal("0.5")


def test_more_of_the_devices_meters_reporting_raise_it_and_ami_alone_stays_below_one(grid):
    gasps(DP001[:10])
    half = confidence("dp")
    gasps(DP001[10:14], minutes=1)
    more = confidence("dp")
    gasps(DP001[14:], minutes=2)
    every = confidence("dp")
    assert Decimal("0.3") < half < more < every < 1
    assert the_outage("dp").affected_meters_count == 20


def test_power_ups_lower_it(grid):
    gasps(DP001[:14])
    before = confidence("dp")
    gasps(DP001[:4], minutes=3, restored=True)
    outage = the_outage("dp")
    assert outage.restored_meters_count == 4
    assert outage.confidence_score < before


def test_a_restored_outage_keeps_the_confidence_it_had(grid):
    gasps(DP001[:14])
    before = confidence("dp")
    gasps(DP001[:14], minutes=3, restored=True)
    (outage,) = Outage.objects.filter(scope="dp")
    assert (outage.status, outage.confidence_score) == ("restored", before)


def test_customers_calling_raise_it(grid):
    gasps(DP001[:10])
    before = confidence("dp")
    call(DP001[15], "T-1")
    one = confidence("dp")
    call(DP001[16], "T-2")
    call(DP001[17], "T-3")
    three = confidence("dp")
    assert before < one < three < 1


def test_a_lone_call_is_low_and_many_calls_are_not_a_fact(grid):
    call(DP001[0], "T-1")
    assert confidence("meter") < Decimal("0.5")
    for n, meter in enumerate(DP001[1:12]):
        call(meter, f"T-{n + 2}", minutes=1 + n / 10)
    assert (the_outage("dp").scope, confidence("dp") < 1) == ("dp", True)


def test_scada_at_the_device_is_a_fact(grid):
    gasps(DP001[:10])
    assert confidence("dp") < 1  # half its meters' last gasps: a prediction

    ingest("scada", scada("FD001", "SS001", minutes=2))
    assert confidence("feeder") == 1


def test_a_trip_below_the_device_is_not_a_fact_for_it(devices_grid):
    # FD002 (not telemetered) feeds DP003 and DP004 on its own section and the fuse F2: the
    # last gasps of both DPs put a predicted outage on the feeder; then SCADA reports loss of
    # voltage at F2 (nothing below it), which the feeder's outage absorbs.
    from outages import sqlfuncs
    from topology.models import Device

    gasps([f"M4{n:07d}" for n in range(41, 51)])
    gasps([f"M4{n:07d}" for n in range(61, 71)], minutes=1)
    feeder = the_outage("feeder")
    assert feeder.confidence_score < 1
    sqlfuncs.apply_device_evidence(
        evidence="off",
        scope="fuse",
        device_id=Device.objects.get(kind="fuse", code="F2").pk,
        provider="scada",
        source_event_id="scada-F2-trip",
        event_time=at(2),
    )
    feeder.refresh_from_db()
    assert feeder.sources.filter(source_type="scada").exists()
    assert feeder.confidence_score < 1


def test_an_operators_confirmation_is_a_fact(grid, token_client):
    gasps(DP001[:10])
    outage = the_outage("dp")
    assert outage.confidence_score < 1
    response = token_client("operate").post(
        f"/api/outages/{outage.event_id}/transition/", {"status": "confirmed"}, format="json"
    )
    assert response.status_code == 200, response.content
    outage.refresh_from_db()
    assert outage.confidence_score == 1
    assert response.json()["confidence_score"] == 1.0


def test_removed_evidence_lowers_it(grid):
    gasps(DP001[:10])
    gasps(DP002[:10], minutes=1)
    ingest("scada", scada("FD001", "SS001", minutes=2))
    outage = the_outage("feeder")
    assert outage.confidence_score == 1
    # A steward removes the SCADA event (it was a test alarm): the AMI evidence is what is left.
    outage.sources.filter(source_type="scada").delete()
    outage.refresh_from_db()
    assert Decimal("0") < outage.confidence_score < 1


def test_the_weights_are_rules_of_the_active_set(grid):
    storm = RuleSet.objects.get(name="storm")
    CorrelationRule.objects.create(
        rule_set=storm, rule_name="confidence_ami_cap", rule_type="source_weight", value="0.7"
    )
    gasps(DP001[:1])
    normal = confidence("meter")
    actions.activate_rule_set(name="storm")
    gasps(DP001[1:2], minutes=1)
    # Storm's roll-up waits for more; the second meter's outage is weighed with storm's cap.
    second = Outage.objects.get(meter__meter_number=DP001[1], status__in=ACTIVE_STATUSES)
    assert second.confidence_score == round(normal * Decimal("0.7") / Decimal("0.95"), 3)
