"""`manage.py consume` against the machine's real RabbitMQ (127.0.0.1:5672): applied once
however often delivered, redelivered after a crash before commit, poison to the dead-letter
queue with its reason, one queue shared by two consumers."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import uuid

import pytest
from django.db import connection, transaction

from ingest import actions
from ingest.management.commands.consume import REASON_HEADER, RETRIES_HEADER, Consumer
from tests.conftest import load_fixture
from tests.live.servers import ROOT, database_env, wait_for

AMQP_URL = os.environ.get("OMS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


pytestmark = [
    pytest.mark.needs("rabbitmq"),
    pytest.mark.django_db(transaction=True),
]


class Crash(BaseException):
    """The consumer process dying (not an error it handles)."""


class CrashingConsumer(Consumer):
    def __init__(self, *args, at: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.at = at

    def before_commit(self, messages):
        if self.at == "before_commit":
            raise Crash

    def after_commit(self, messages):
        if self.at == "after_commit":
            raise Crash


@pytest.fixture
def queue():
    """A queue of this test's own, deleted afterwards with its dead-letter queue."""
    import pika

    name = f"test.oms.{uuid.uuid4().hex[:10]}"
    yield name
    with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as broker:
        channel = broker.channel()
        for doomed in (name, f"{name}.dead"):
            channel.queue_delete(doomed)


def publish(queue: str, *bodies, content_type: str = "application/json") -> None:
    import pika

    with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as broker:
        channel = broker.channel()
        channel.queue_declare(queue, durable=True)
        channel.confirm_delivery()
        for body in bodies:
            data = body if isinstance(body, bytes | str) else json.dumps(body)
            channel.basic_publish(
                "",
                queue,
                data,
                pika.BasicProperties(content_type=content_type, delivery_mode=2),
            )


def drain(queue: str) -> list[tuple[dict, bytes]]:
    """Every message of a queue: (headers, body)."""
    import pika

    out = []
    with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as broker:
        channel = broker.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append((properties.headers or {}, body))


def queue_state(queue: str) -> tuple[int, int]:
    """(messages ready, consumers) of a queue."""
    import pika

    with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as broker:
        frame = broker.channel().queue_declare(queue, passive=True)
        return frame.method.message_count, frame.method.consumer_count


def onu_gasp(event_id: str, *meters: str, at: str = "2025-10-01T06:15:31Z") -> dict:
    return {
        **load_fixture("providers/onu_last_gasp.json"),
        "eventId": event_id,
        "onuId": f"ONU-{event_id}",
        "associatedMeters": list(meters),
        "timestamp": at,
    }


def count(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


def power(meter_number: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT power_status FROM oms_meters WHERE meter_number = %s", [meter_number]
        )
        return cursor.fetchone()[0]


def audit_rows(event_id: str) -> int:
    return count(
        "SELECT count(*) FROM oms_meter_status_events WHERE source_event_id = %s", [event_id]
    )


def test_a_message_delivered_twice_is_applied_once(grid, queue):
    event = onu_gasp("TWICE", "M40000001", "M40000002")
    # The feed sends it twice, and the consumer dies after its commit, before acknowledging:
    # the broker delivers it a third time.
    publish(queue, event, event)
    crashing = CrashingConsumer("onu", AMQP_URL, queue, prefetch=1, at="after_commit")
    with pytest.raises(Crash):
        crashing.run(idle_exit=1)
    crashing.close()
    assert count("SELECT count(*) FROM onu_events WHERE source_event_id = 'TWICE'") == 1

    consumer = Consumer("onu", AMQP_URL, queue, prefetch=10)
    counters = consumer.run(idle_exit=1)

    assert (counters.new, counters.duplicates, counters.messages) == (0, 2, 2)
    assert count("SELECT count(*) FROM onu_events WHERE source_event_id = 'TWICE'") == 1
    assert audit_rows("TWICE") == 2
    assert power("M40000001") == power("M40000002") == "off"
    assert queue_state(queue)[0] == 0 and drain(f"{queue}.dead") == []


def test_a_crash_before_commit_redelivers_and_it_is_applied_once(grid, queue):
    publish(queue, onu_gasp("CRASH", "M40000003"))
    crashing = CrashingConsumer("onu", AMQP_URL, queue, prefetch=1, at="before_commit")
    with pytest.raises(Crash):
        crashing.run(idle_exit=1)
    crashing.close()  # the dead process's connection: its unacknowledged message goes back
    assert count("SELECT count(*) FROM onu_events") == 0 and audit_rows("CRASH") == 0
    assert power("M40000003") != "off"

    counters = Consumer("onu", AMQP_URL, queue).run(idle_exit=1)

    assert (counters.new, counters.duplicates) == (1, 0)
    assert count("SELECT count(*) FROM onu_events WHERE source_event_id = 'CRASH'") == 1
    assert audit_rows("CRASH") == 1 and power("M40000003") == "off"


def test_a_killed_consumer_process_loses_nothing_and_applies_nothing_twice(grid, queue):
    """A real `manage.py consume` process, SIGKILLed while its batch waits inside the
    transaction (held there by a table lock), then a second consumer finishing the work."""
    events = [onu_gasp(f"KILL-{n}", f"M4000001{n}") for n in range(5)]
    publish(queue, *events)
    env = {
        **os.environ,
        **database_env(),
        "SECRET_KEY": "test-consume-secret",
        "DB_POOL_MAX": "2",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "manage.py", "consume", "onu", "--url", AMQP_URL]
    command += ["--queue", queue, "--prefetch", "10", "--idle-exit", "30"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Writers of the raw table wait; readers do not.
            cursor.execute("LOCK TABLE onu_events IN SHARE MODE")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:

            def waiting_on_the_lock():
                with connection.cursor() as cursor:
                    # Activity is read once per transaction unless the snapshot is cleared.
                    cursor.execute("SELECT pg_stat_clear_snapshot()")
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND query ILIKE 'INSERT INTO \"onu_events\"%%'"
                    )
                    return cursor.fetchone()[0]

            try:
                wait_for(waiting_on_the_lock, timeout=60, what="the consumer's INSERT to block")
            except AssertionError as error:
                process.kill()
                output = process.communicate(timeout=30)[0].decode()[-3000:]
                raise AssertionError(f"{error}; consumer output:\n{output}") from error
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    # The killed backend's transaction never committed.
    wait_for(
        lambda: count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 0,
        what="the killed consumer's backend to go",
    )
    assert count("SELECT count(*) FROM onu_events") == 0
    assert count("SELECT count(*) FROM oms_meter_status_events") == 0

    counters = Consumer("onu", AMQP_URL, queue).run(idle_exit=1)

    assert (counters.new, counters.duplicates, counters.dead) == (5, 0, 0)
    assert count("SELECT count(*) FROM onu_events") == 5
    assert count("SELECT count(*) FROM oms_meter_status_events") == 5


def test_poison_messages_end_in_the_dead_letter_queue_with_their_reason(grid, queue, monkeypatch):
    real_ingest = actions.ingest_events

    def ingest_failing_on_poison(provider, records):
        if any(record.source_event_id == "POISON" for record in records):
            raise RuntimeError("cannot apply POISON")
        return real_ingest(provider, records)

    monkeypatch.setattr(actions, "ingest_events", ingest_failing_on_poison)
    publish(
        queue,
        onu_gasp("GOOD-1", "M40000021"),
        b"{not json",
        onu_gasp("POISON", "M40000022"),
        {"type": "ONU_LastGaspAlert", "onuId": "X"},  # no eventId, no timestamp
        onu_gasp("GOOD-2", "M40000023"),
    )

    counters = Consumer("onu", AMQP_URL, queue, prefetch=10, max_retries=2).run(idle_exit=1.5)

    assert sorted(counters.stored) == ["GOOD-1", "GOOD-2"]
    assert (counters.dead, counters.retried) == (3, 2)
    dead = drain(f"{queue}.dead")
    reasons = {body: headers[REASON_HEADER] for headers, body in dead}
    assert len(dead) == 3
    assert reasons[b"{not json"].startswith("invalid payload:")
    missing = next(r for b, r in reasons.items() if b.startswith(b'{"type"'))
    assert "eventId" in missing and "timestamp" in missing
    poison_headers, poison_body = next((h, b) for h, b in dead if b"POISON" in b)
    assert json.loads(poison_body) == onu_gasp("POISON", "M40000022")
    assert poison_headers[RETRIES_HEADER] == 2
    assert "failed 3 times" in poison_headers[REASON_HEADER]
    assert "RuntimeError: cannot apply POISON" in poison_headers[REASON_HEADER]
    assert count("SELECT count(*) FROM onu_events") == 2
    assert power("M40000022") != "off"
    assert queue_state(queue)[0] == 0


def test_two_consumers_split_a_queue_without_applying_anything_twice(grid, queue):
    meters = [f"M4{n:07d}" for n in range(1, 61)]
    consumers = [Consumer("onu", AMQP_URL, queue, prefetch=4) for _ in range(2)]

    def run(consumer):
        try:
            consumer.run(idle_exit=2)
        finally:
            connection.close()

    publish(queue)  # declares the queue
    threads = [threading.Thread(target=run, args=(c,)) for c in consumers]
    for thread in threads:
        thread.start()
    wait_for(lambda: queue_state(queue)[1] == 2, what="both consumers subscribed")
    # Each event twice: the second copy may reach either consumer.
    events = [onu_gasp(f"SPLIT-{n:02d}", meter) for n, meter in enumerate(meters)]
    publish(queue, *events, *events)
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    first, second = (set(c.counters.stored) for c in consumers)
    assert first and second, "both consumers took a share"
    assert not first & second
    assert first | second == {f"SPLIT-{n:02d}" for n in range(len(meters))}
    assert sum(c.counters.messages for c in consumers) == 2 * len(meters)
    assert sum(c.counters.duplicates for c in consumers) == len(meters)
    assert count("SELECT count(*) FROM onu_events") == len(meters)
    # One audit row per last gasp (the roll-ups add inferred rows of their own source).
    gasps = count("SELECT count(*) FROM oms_meter_status_events WHERE source_type = 'onu'")
    assert gasps == len(meters)
    assert all(power(m) == "off" for m in meters)


def test_native_formats_and_envelopes_through_the_command(grid, queue):
    """SCADA in its Kafka envelope, KAIFA SOAP XML, a call-center ticket: each provider's
    command applies what the REST ingest takes."""
    from django.core.management import call_command

    cases = [
        ("scada", load_fixture("providers/scada_kafka_envelope.json"), "application/json"),
        ("kaifa", load_fixture("providers/kaifa_power_outage_two_meters.xml"), "text/xml"),
        ("call_center", load_fixture("providers/callcenter_ticket.json"), "application/json"),
    ]
    for provider, body, content_type in cases:
        publish(f"{queue}.{provider}", body, body, content_type=content_type)
        out = io.StringIO()
        try:
            call_command(
                "consume", provider, "--url", AMQP_URL, "--queue", f"{queue}.{provider}",
                "--idle-exit", "1", stdout=out,
            )  # fmt: skip
        finally:
            drain(f"{queue}.{provider}.dead")
            import pika

            with pika.BlockingConnection(pika.URLParameters(AMQP_URL)) as broker:
                channel = broker.channel()
                channel.queue_delete(f"{queue}.{provider}")
                channel.queue_delete(f"{queue}.{provider}.dead")
        assert "dead-lettered 0" in out.getvalue(), out.getvalue()
        assert "messages 2:" in out.getvalue(), out.getvalue()
    assert count("SELECT count(*) FROM scada_events") == 1
    assert count("SELECT count(*) FROM kaifa_events") == 2  # two EndDeviceEvents, once each
    assert count("SELECT count(*) FROM callcenter_tickets") == 1


def test_a_database_outage_hands_the_batch_back_without_using_retries(grid, queue, monkeypatch):
    from django.db import OperationalError

    real_ingest = actions.ingest_events
    calls = []

    def database_down_once(provider, records):
        calls.append(len(records))
        if len(calls) == 1:
            raise OperationalError("connection to server failed: Connection refused")
        return real_ingest(provider, records)

    monkeypatch.setattr(actions, "ingest_events", database_down_once)
    publish(queue, onu_gasp("DOWN-1", "M40000031"), onu_gasp("DOWN-2", "M40000032"))

    counters = Consumer("onu", AMQP_URL, queue, prefetch=10, max_retries=0).run(idle_exit=2)

    # max_retries=0 would dead-letter a failing message at once: an outage is not its fault.
    assert counters.requeued >= 1 and (counters.retried, counters.dead) == (0, 0)
    assert sorted(counters.stored) == ["DOWN-1", "DOWN-2"]
    assert drain(f"{queue}.dead") == []
    assert power("M40000031") == power("M40000032") == "off"
