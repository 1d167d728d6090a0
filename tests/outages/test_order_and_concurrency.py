"""The engine under reordering and under real parallel connections (issue 4)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import sqlfuncs as ingest_sql
from meters.models import Meter
from outages import sqlfuncs
from outages.models import ACTIVE_STATUSES, Outage
from tests.conftest import GRID_DIR
from tests.outages.engine_helpers import T0, meter_numbers
from topology.grid import import_grid

METERS = meter_numbers(1, 6)  # DP001
# A storm in miniature: gasps, a feeder trip and its restoration, a later gasp, power-ups.
STORY = [
    ("meter", "M40000001", "off", 0, "onu"),
    ("meter", "M40000002", "off", 1, "onu"),
    ("meter", "M40000003", "off", 2, "kaifa"),
    ("scada", "FD001", "off", 5, "scada"),
    ("meter", "M40000004", "off", 7, "kaifa"),
    ("scada", "FD001", "on", 40, "scada"),
    ("meter", "M40000005", "off", 41, "kaifa"),
    ("meter", "M40000005", "on", 60, "kaifa"),
    ("meter", "M40000006", "on", 3, "onu"),
]


def replay(events):
    ids = dict(Meter.objects.values_list("meter_number", "id"))
    for kind, target, evidence, minute, provider in events:
        when = T0 + timedelta(minutes=minute)
        if kind == "scada":
            ingest_sql.insert_scada_event_with_meter_check(
                {
                    "eventType": "MV_AlarmLossOfVoltage"
                    if evidence == "off"
                    else "MV_AlarmRestoration",
                    "substationId": "SS001",
                    "feederId": target,
                    "timestamp": when.isoformat(),
                }
            )
        else:
            sqlfuncs.apply_meter_evidence(
                [
                    {
                        "meter_id": ids[target],
                        "evidence": evidence,
                        "event_time": when,
                        "provider": provider,
                        "source_event_id": f"{target}-{evidence}-{minute}",
                        "event_type": evidence,
                    }
                ]
            )


def final_states():
    return dict(
        Meter.objects.filter(feeder__feeder_id="FD001").values_list("meter_number", "power_status")
    )


def told(events) -> dict[str, str]:
    """The meter states after `events`, told on a fresh grid (rolled back afterwards)."""
    with transaction.atomic():
        import_grid(GRID_DIR)
        replay(events)
        states = final_states()
        transaction.set_rollback(True)
    return states


IN_TIME_ORDER = sorted(STORY, key=lambda event: event[3])


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(STORY))
@pytest.mark.django_db
def test_the_same_events_in_any_order_end_in_the_same_meter_states(order):
    assert told(order) == told(IN_TIME_ORDER)


@pytest.mark.django_db
def test_story_in_time_order_ends_where_a_dispatcher_expects():
    states = told(IN_TIME_ORDER)
    assert states["M40000005"] == "on"
    assert {states[n] for n in meter_numbers(1, 4)} == {"on"}
    assert {states[n] for n in meter_numbers(21, 40)} == {"on"}


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_writers_of_last_gasps_make_exactly_one_outage():
    import_grid(GRID_DIR)
    dp001 = list(
        Meter.objects.filter(dp__dp_id="DP001").order_by("id").values_list("id", flat=True)
    )
    barrier = threading.Barrier(8)
    errors = []

    def writer(n: int):
        try:
            barrier.wait()
            for meter_id in dp001[n::8]:
                sqlfuncs.apply_meter_evidence(
                    [
                        {
                            "meter_id": meter_id,
                            "evidence": "off",
                            "event_time": T0 + timedelta(seconds=n),
                            "provider": "kaifa",
                            "source_event_id": f"gasp-{meter_id}",
                            "event_type": "PowerOutage",
                        }
                    ]
                )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    (outage,) = Outage.objects.filter(status__in=ACTIVE_STATUSES)
    assert (outage.scope, outage.dp.dp_id, outage.affected_meters_count) == ("dp", "DP001", 20)
    assert set(Meter.objects.filter(dp__dp_id="DP001").values_list("power_status", flat=True)) == {
        "off"
    }
    assert outage.sources.count() == 20
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM oms_meter_status_events WHERE source_type = 'kaifa'")
        assert cursor.fetchone()[0] == 20
