"""Broker ingest rate: ONU last gasps through RabbitMQ and `manage.py consume`'s consumer.

Publishes N messages (one event each, every 5th a re-delivery) to a queue of its own, then
drains it with 1 or more consumers (separate processes) and reports messages/s of the drain.
Runs on the database of OMS_DATA_DIR (migrated, with the 120-meter test grid), so give it a
scratch folder:

    OMS_DATA_DIR=/tmp/oms-consume-bench python bench/consume_bench.py --messages 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--consumers", type=int, default=1)
    parser.add_argument("--prefetch", type=int, default=500)
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    import pika

    logging.getLogger("pika").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from meters.models import Meter
    from topology.grid import import_grid

    call_command("migrate", verbosity=0)
    if not Meter.objects.exists():
        import_grid(ROOT / "tests" / "fixtures" / "grid")
    meters = list(Meter.objects.order_by("meter_number").values_list("meter_number", flat=True))
    run = uuid.uuid4().hex[:8]
    queue = f"bench.consume.{run}"
    bodies = []
    for n in range(args.messages):
        unique = n - n // 5  # every 5th message repeats the one before
        bodies.append(
            json.dumps(
                {
                    "eventId": f"B{run}-{unique}",
                    "type": "ONU_LastGaspAlert",
                    "onuId": f"ONU-B{unique}",
                    "timestamp": f"2025-10-01T06:{(unique // 60) % 60:02d}:{unique % 60:02d}Z",
                    "associatedMeters": [meters[unique % len(meters)]],
                }
            )
        )
    with pika.BlockingConnection(pika.URLParameters(args.url)) as broker:
        channel = broker.channel()
        channel.queue_declare(queue, durable=True)
        for body in bodies:
            channel.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM onu_events")
        (before,) = cursor.fetchone()
    connection.close()

    command = [sys.executable, "manage.py", "consume", "onu", "--url", args.url]
    command += ["--queue", queue, "--prefetch", str(args.prefetch), "--idle-exit", "2"]
    started = time.monotonic()
    workers = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(args.consumers)
    ]
    outputs = [worker.communicate()[0] for worker in workers]
    elapsed = time.monotonic() - started - 2  # minus the idle wait that ends each consumer
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM onu_events")
        (after,) = cursor.fetchone()
    with pika.BlockingConnection(pika.URLParameters(args.url)) as broker:
        channel = broker.channel()
        channel.queue_delete(queue)
        channel.queue_delete(f"{queue}.dead")
    for output in outputs:
        print(output.strip().splitlines()[-1])
    print(
        f"{args.messages} messages ({after - before} new events) by {args.consumers} consumer(s),"
        f" prefetch {args.prefetch}: {elapsed:.1f} s, {args.messages / elapsed:,.0f} messages/s"
    )


if __name__ == "__main__":
    main()
