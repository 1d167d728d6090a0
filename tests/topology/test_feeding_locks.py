"""Issue 14 item 2: every writer of feeding takes the feeder locks (the engine's lock key) of
the feeders it moves meters from and to, in the one order, and the keys are bigint."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction

from meters.models import Meter
from outages import sqlfuncs as engine
from tests.conftest import GRID_DIR
from tests.outages.engine_helpers import T0
from topology import sqlfuncs
from topology.actions import rederive_meter_topology
from topology.grid import import_grid
from topology.models import Device, DistributionPoint, Feeder, FeederMeter, Section


def waiting_advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


def wait_until(predicate, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def meters_feeders(dp_code: str) -> set[str]:
    return set(Meter.objects.filter(dp__dp_id=dp_code).values_list("feeder__feeder_id", flat=True))


def test_feeder_locks_take_bigint_ids_as_two_exact_halves(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT outages_lock_feeders(ARRAY[3000000000, 5]::bigint[])")
        cursor.execute(
            "SELECT classid::int, objid::int, mode FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = pg_backend_pid() ORDER BY 1, 2"
        )
        assert cursor.fetchall() == [
            (7400, 0, "ShareLock"),  # the network lock, shared: no feeding moves meanwhile
            (7401, 5, "ExclusiveLock"),
            (7402, 3000000000 - 2**31, "ExclusiveLock"),
        ]


class HeldFeederLock:
    """Another connection holding one feeder's engine lock until released (an ingest mid-way)."""

    def __init__(self, feeder_id: int):
        self.feeder_id, self.taken, self.release = feeder_id, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT outages_lock_feeders(ARRAY[%s]::bigint[])", [self.feeder_id])
                self.taken.set()
                self.release.wait(30)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join()


def in_thread(work) -> tuple[threading.Thread, list]:
    errors: list = []

    def run():
        try:
            with transaction.atomic():
                work()
        except Exception as exc:  # surfaced by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
def test_a_stewards_move_waits_for_the_engine_lock_of_the_feeder_it_enters(reference_data):
    import_grid(GRID_DIR)
    fd003 = Feeder.objects.get(feeder_id="FD003")
    DistributionPoint.objects.filter(dp_id="DP002").update(feeder=fd003)
    dp002 = DistributionPoint.objects.get(dp_id="DP002").pk
    with HeldFeederLock(fd003.pk):
        thread, errors = in_thread(lambda: rederive_meter_topology(dp_ids=[dp002]))
        wait_until(lambda: waiting_advisory_locks() == 1)
        assert meters_feeders("DP002") == {"FD001"}  # nothing moved under the held lock
    thread.join()
    assert errors == []
    assert meters_feeders("DP002") == {"FD003"}


@pytest.mark.django_db(transaction=True)
def test_a_derivation_waits_for_the_engine_lock_of_the_feeder_it_enters(reference_data):
    import_grid(GRID_DIR)
    fd001, fd003 = Feeder.objects.get(feeder_id="FD001"), Feeder.objects.get(feeder_id="FD003")
    below = Section.objects.create(code="switch:T1")
    Device.objects.create(
        kind="switch", code="T1", section_a=fd003.head_section, section_b=below, state="open"
    )
    DistributionPoint.objects.filter(dp_id="DP002").update(section=below)
    sqlfuncs.derive_feeding(None)
    assert meters_feeders("DP002") == {"FD003"}  # normal feeding, behind the open switch

    # Now FD001's breaker feeds that section through a closed tie: the derivation moves DP002's
    # meters into FD001, whose lock an ingest holds.
    Device.objects.create(kind="switch", code="T2", section_a=fd001.head_section, section_b=below)
    with HeldFeederLock(fd001.pk):
        thread, errors = in_thread(lambda: sqlfuncs.derive_feeding([fd003.pk]))
        wait_until(lambda: waiting_advisory_locks() == 1)
        assert meters_feeders("DP002") == {"FD003"}
    thread.join()
    assert errors == []
    assert meters_feeders("DP002") == {"FD001"}


@pytest.mark.django_db(transaction=True)
def test_re_derivations_racing_an_ingest_storm_on_the_same_feeders(reference_data):
    """Switching moves DP002 between FD001 and FD003 over and over while four writers post
    last gasps and power-ups for its meters and FD003's: nothing deadlocks or fails, no update
    is lost, and every derived row agrees with the network at the end."""
    import_grid(GRID_DIR)
    fd001, fd003 = Feeder.objects.get(feeder_id="FD001"), Feeder.objects.get(feeder_id="FD003")
    below = Section.objects.create(code="recloser:R1")
    recloser = Device.objects.create(
        kind="recloser", code="R1", section_a=fd001.head_section, section_b=below
    )
    tie = Device.objects.create(
        kind="switch",
        code="T1",
        section_a=below,
        section_b=fd003.head_section,
        normal_state="open",
        state="open",
    )
    DistributionPoint.objects.filter(dp_id="DP002").update(section=below)
    sqlfuncs.derive_feeding(None)
    meters = list(
        Meter.objects.filter(dp__dp_id__in=["DP002", "DP005", "DP006"])
        .order_by("id")
        .values_list("id", flat=True)
    )
    writers, rounds = 4, 6
    start, errors = threading.Barrier(writers + 1), []
    last: dict[int, str] = {}

    def ingest(n: int):
        try:
            start.wait()
            mine = meters[n::writers]
            for step in range(rounds):
                evidence = "off" if step % 2 == 0 else "on"
                engine.apply_meter_evidence(
                    [
                        {
                            "meter_id": meter_id,
                            "evidence": evidence,
                            "event_time": T0 + timedelta(minutes=step),
                            "provider": "kaifa",
                            "source_event_id": f"storm-{meter_id}-{step}",
                            "event_type": evidence,
                        }
                        for meter_id in mine
                    ]
                )
                last.update(dict.fromkeys(mine, evidence))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    def switching():
        try:
            start.wait()
            for step in range(rounds * 2):
                with transaction.atomic():
                    # Back-feed from FD003, then back to normal.
                    back_feed = step % 2 == 0
                    Device.objects.filter(pk=recloser.pk).update(
                        state="open" if back_feed else "closed"
                    )
                    Device.objects.filter(pk=tie.pk).update(state="closed" if back_feed else "open")
                    sqlfuncs.derive_feeding([fd001.pk, fd003.pk])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest, args=(n,)) for n in range(writers)]
    threads.append(threading.Thread(target=switching))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    states = dict(Meter.objects.filter(id__in=meters).values_list("id", "power_status"))
    assert states == last
    assert meters_feeders("DP002") == {"FD001"}
    for meter in Meter.objects.select_related("dp"):
        assert (meter.feeder_id, meter.substation_id) == (
            meter.dp.feeder_id,
            meter.dp.feeder.substation_id,
        )
    assert set(FeederMeter.objects.values_list("meter_id", "feeder_id")) == set(
        Meter.objects.values_list("id", "feeder_id")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM oms_meter_status_events WHERE source_event_id LIKE 'storm-%%'"
        )
        assert cursor.fetchone()[0] == len(meters) * rounds
