"""`consume <provider> --url amqp://…`: apply a provider's feed from a RabbitMQ queue.

Each message is one payload in the feed's native format, exactly what the REST ingest takes
(bare or in its Kafka envelope; KAIFA as SOAP XML or flattened JSON). Messages are taken in
batches (what is waiting, up to --batch) and applied through the same ingest actions as one
transaction; they are acknowledged only after that commit, so a consumer that dies before it
loses nothing (RabbitMQ delivers its unacknowledged messages again) and one that dies after it
makes a re-delivery, which the natural keys turn into a duplicate that changes nothing.

- A payload the parsers refuse, or a SCADA event the database refuses as bad data, can never
  succeed: it goes straight to the dead-letter queue `<queue>.dead`.
- A message whose apply fails otherwise is published again with its retry count and
  `x-oms-last-error`; past --max-retries it goes to the dead-letter queue. The reason is in the
  `x-oms-reason` header; the body is the original payload, untouched.
- The database being down or busy (connection lost, pool timeout, deadlock) is not the
  message's fault: the batch is handed back to the queue and the consumer waits and retries,
  using no retry.

Several consumers of one queue share its messages; --prefetch bounds what each holds at once.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from dataclasses import dataclass, field

import pika
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from pika.exceptions import AMQPConnectionError, ChannelClosedByBroker

from ingest import actions
from ingest.api.views import PARSERS, is_xml
from ingest.eventtime import current_window
from ingest.parsers import PayloadError, loads, parse_kaifa_xml
from ingest.parsers.common import event_time_window
from ingest.scada_status import DeviceStatusBusy

logger = logging.getLogger("oms.consume")
# pika logs every connection step at INFO.
logging.getLogger("pika").setLevel(logging.WARNING)

RETRIES_HEADER = "x-oms-retries"
REASON_HEADER = "x-oms-reason"
LAST_ERROR_HEADER = "x-oms-last-error"
# Errors of the database itself (down, restarting, pool exhausted, deadlock), and a device
# status that met another operation on its device: requeued and retried forever.
TRANSIENT = (OperationalError, InterfaceError, DeviceStatusBusy)


def default_queue(provider: str) -> str:
    return f"oms.ingest.{provider}"


@dataclass
class Message:
    tag: int
    properties: pika.BasicProperties
    body: bytes
    records: list = field(default_factory=list)

    @property
    def retries(self) -> int:
        headers = self.properties.headers or {}
        try:
            return int(headers.get(RETRIES_HEADER, 0))
        except (TypeError, ValueError):
            return 0


@dataclass
class Counters:
    messages: int = 0
    new: int = 0
    duplicates: int = 0
    retried: int = 0
    dead: int = 0
    requeued: int = 0
    batches: int = 0
    # source_event_id of every event this consumer stored (new, not duplicates)
    stored: list[str] = field(default_factory=list)


class Consumer:
    """One consumer of one queue. Override `before_commit`/`after_commit` to inject faults."""

    def __init__(
        self,
        provider: str,
        url: str,
        queue: str | None = None,
        prefetch: int = 200,
        batch: int | None = None,
        max_retries: int = 5,
        idle_wait: float = 0.05,
        max_backoff: float = 30.0,
    ):
        if provider not in PARSERS:
            raise ValueError(f"unknown provider {provider!r}: one of {', '.join(PARSERS)}")
        self.provider = provider
        self.url = url
        self.queue = queue or default_queue(provider)
        self.dead_queue = f"{self.queue}.dead"
        self.prefetch = max(prefetch, 1)
        self.batch = min(batch or self.prefetch, self.prefetch, actions.REPLAY_CHUNK)
        self.max_retries = max_retries
        self.idle_wait = idle_wait
        self.max_backoff = max_backoff
        self.counters = Counters()
        self.stopping = False
        self._backoff = 1.0
        self.connection: pika.BlockingConnection | None = None
        self.channel = None

    # --- broker ----------------------------------------------------------------------------

    def connect(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()
        for name in (self.queue, self.dead_queue):
            try:
                self.channel.queue_declare(name, durable=True)
            except ChannelClosedByBroker:
                # Declared elsewhere with other arguments (e.g. a quorum queue): use it as is.
                self.channel = self.connection.channel()
                self.channel.queue_declare(name, passive=True)
        # Publishes (retries, dead letters) are confirmed before the original is acknowledged.
        self.channel.confirm_delivery()
        self.channel.basic_qos(prefetch_count=self.prefetch)

    def close(self) -> None:
        if self.connection is not None and self.connection.is_open:
            try:
                self.connection.close()
            except Exception:  # closing a broken connection
                logger.debug("closing the broker connection failed", exc_info=True)
        self.connection = self.channel = None

    def stop(self, *args) -> None:
        self.stopping = True

    def run(self, idle_exit: float | None = None, max_messages: int | None = None) -> Counters:
        """Consume until stopped; with `idle_exit`, until the queue stayed empty that long;
        with `max_messages`, until that many messages were settled."""
        backoff = 1.0
        while not self.stopping:
            try:
                if self.channel is None:
                    self.connect()
                    backoff = 1.0
                if self._consume(idle_exit, max_messages):
                    break
            except AMQPConnectionError as error:
                # Unacknowledged messages go back to the queue with the lost connection.
                logger.warning("broker unreachable (%s); retrying in %.0f s", error, backoff)
                self.close()
                time.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
        self.close()
        return self.counters

    def _consume(self, idle_exit, max_messages) -> bool:
        """Returns True when done (idle or enough messages), False to reconnect."""
        pending: list[Message] = []
        idle_since = time.monotonic()
        try:
            for method, properties, body in self.channel.consume(
                self.queue, inactivity_timeout=self.idle_wait
            ):
                if method is not None:
                    pending.append(Message(method.delivery_tag, properties, body))
                    idle_since = time.monotonic()
                    if len(pending) < self.batch and not self.stopping:
                        continue
                if pending:
                    self.settle(pending)
                    pending = []
                if self.stopping:
                    return True
                if max_messages is not None and self.counters.messages >= max_messages:
                    return True
                if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                    return True
        finally:
            if self.channel is not None and self.channel.is_open:
                self.channel.cancel()  # unsettled prefetched messages go back to the queue
        return False

    def ack(self, messages: list[Message]) -> None:
        if not messages:
            return
        tags = sorted(m.tag for m in messages)
        if len(tags) > 1 and tags[-1] - tags[0] + 1 == len(tags):
            self.channel.basic_ack(tags[-1], multiple=True)
        else:
            for tag in tags:
                self.channel.basic_ack(tag)

    def publish(self, queue: str, message: Message, headers: dict) -> None:
        properties = message.properties
        self.channel.basic_publish(
            exchange="",
            routing_key=queue,
            body=message.body,
            properties=pika.BasicProperties(
                content_type=properties.content_type,
                content_encoding=properties.content_encoding,
                message_id=properties.message_id,
                timestamp=properties.timestamp,
                delivery_mode=pika.DeliveryMode.Persistent,
                headers={**(properties.headers or {}), **headers},
            ),
            mandatory=True,
        )

    def dead_letter(self, message: Message, reason: str) -> None:
        """Move to `<queue>.dead` with the reason, then acknowledge the original."""
        logger.warning("dead-lettering message %s: %s", message.tag, reason)
        self.publish(
            self.dead_queue,
            message,
            {
                REASON_HEADER: reason[:2000],
                RETRIES_HEADER: message.retries,
                "x-oms-queue": self.queue,
                "x-oms-provider": self.provider,
            },
        )
        self.ack([message])
        self.counters.dead += 1
        self.counters.messages += 1

    def retry_or_dead_letter(self, message: Message, error: Exception) -> None:
        reason = f"{type(error).__name__}: {_first_line(error)}"
        if message.retries >= self.max_retries:
            self.dead_letter(message, f"failed {message.retries + 1} times; last: {reason}")
            return
        logger.info("message %s failed (%s); retry %d", message.tag, reason, message.retries + 1)
        self.publish(
            self.queue,
            message,
            {RETRIES_HEADER: message.retries + 1, LAST_ERROR_HEADER: reason[:2000]},
        )
        self.ack([message])
        self.counters.retried += 1

    def requeue(self, messages: list[Message]) -> None:
        for message in messages:
            self.channel.basic_nack(message.tag, requeue=True)
        self.counters.requeued += len(messages)

    # --- database --------------------------------------------------------------------------

    def parse(self, message: Message) -> list:
        body = message.body
        if self.provider == "kaifa" and is_xml(body, message.properties.content_type or ""):
            return parse_kaifa_xml(body)
        parsed = PARSERS[self.provider](loads(body))
        return parsed if isinstance(parsed, list) else [parsed]

    def settle(self, messages: list[Message]) -> None:
        """Apply a batch and settle every message: acknowledged, retried or dead-lettered."""
        valid = []
        try:
            window = current_window()  # event times outside it are refused (CONTRACT §12)
        except TRANSIENT as error:
            self.database_unavailable(messages, error)
            return
        with event_time_window(window):
            for message in messages:
                try:
                    message.records = self.parse(message)
                except PayloadError as error:
                    self.dead_letter(message, f"invalid payload: {json.dumps(error.errors)}")
                    continue
                valid.append(message)
        if not valid:
            return
        try:
            refused = self.apply(valid)
        except TRANSIENT as error:
            self.database_unavailable(valid, error)
            return
        except Exception as error:  # one bad message must not stop the feed
            if len(valid) == 1:
                self.retry_or_dead_letter(valid[0], error)
                return
            # Find the culprit: every message alone, each in its own transaction.
            for message in valid:
                self.settle([message])
            return
        self._backoff = 1.0
        self.ack([m for i, m in enumerate(valid) if i not in refused])
        self.counters.messages += len(valid) - len(refused)
        for index, errors in refused.items():
            self.dead_letter(valid[index], f"refused by the database: {json.dumps(errors)}")

    def database_unavailable(self, messages: list[Message], error: Exception) -> None:
        self.requeue(messages)
        delay, self._backoff = self._backoff, min(self._backoff * 2, self.max_backoff)
        logger.warning("database unavailable (%s); batch requeued, waiting %.0f s", error, delay)
        # The pool hands out fresh connections once the server is back.
        connection.close()
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not self.stopping:
            # Keeps the broker connection alive (heartbeats) while waiting.
            self.connection.process_data_events(time_limit=min(1.0, delay))

    def apply(self, messages: list[Message]) -> dict[int, dict]:
        """Apply the messages' events in one transaction; the messages (by index) whose SCADA
        event the database refused as bad data."""
        refused: dict[int, dict] = {}
        with transaction.atomic():
            if self.provider == "scada":
                events, owner = [], []
                for index, message in enumerate(messages):
                    events.extend(message.records)
                    owner.extend([index] * len(message.records))
                outcome, refusals = actions.ingest_scada_events(events)
                for event_index, errors in refusals.items():
                    refused[owner[event_index]] = errors
            else:
                records = [record for message in messages for record in message.records]
                outcome = actions.ingest_events(self.provider, records)
            self.before_commit(messages)
        self.after_commit(messages)
        for answer in outcome.answers:
            if not answer.get("duplicate"):
                self.counters.stored.append(answer["source_event_id"])
        self.counters.new += outcome.new
        self.counters.duplicates += outcome.duplicates
        self.counters.batches += 1
        return refused

    def before_commit(self, messages: list[Message]) -> None:
        """Called inside the batch's transaction, after the apply (a test's crash point)."""

    def after_commit(self, messages: list[Message]) -> None:
        """Called after the commit, before the acknowledgements (a test's crash point)."""


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class Command(BaseCommand):
    help = "Apply a provider feed from a RabbitMQ queue through the ingest actions."

    def add_arguments(self, parser):
        parser.add_argument("provider", choices=sorted(PARSERS))
        parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
        parser.add_argument("--queue", help="default: oms.ingest.<provider>")
        parser.add_argument(
            "--prefetch", type=int, default=200, help="messages held unacknowledged at once"
        )
        parser.add_argument(
            "--batch", type=int, help="messages applied per transaction (default: --prefetch)"
        )
        parser.add_argument("--max-retries", type=int, default=5)
        parser.add_argument(
            "--idle-exit",
            type=float,
            help="stop once the queue has been empty this many seconds (default: never)",
        )

    def handle(self, provider, url, queue, prefetch, batch, max_retries, idle_exit, **options):
        if prefetch < 1 or (batch is not None and batch < 1) or max_retries < 0:
            raise CommandError("--prefetch and --batch must be at least 1, --max-retries 0+")
        consumer = Consumer(provider, url, queue, prefetch, batch, max_retries)
        signal.signal(signal.SIGTERM, consumer.stop)
        signal.signal(signal.SIGINT, consumer.stop)
        self.stdout.write(
            f"consuming {consumer.queue} ({provider}); dead letters: {consumer.dead_queue}"
        )
        try:
            counters = consumer.run(idle_exit=idle_exit)
        except DatabaseError as error:
            raise CommandError(f"database error: {error}") from error
        self.stdout.write(
            f"messages {counters.messages}: new events {counters.new}, duplicates "
            f"{counters.duplicates}, retried {counters.retried}, dead-lettered {counters.dead}, "
            f"handed back while the database was down {counters.requeued}"
        )
