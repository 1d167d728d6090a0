"""The single-meter wait's clock (CONTRACT §11): outages_sweep() every OMS_SWEEP_S seconds.

Each server process that runs the relay also sweeps (outages/relay.py starts it): the outage
evidence of single meters that has waited out `single_meter_wait_seconds` becomes an outage.
Sweeps of several processes serialize on the engine's feeder locks and each piece of waiting
evidence is taken once. Without a server, `python manage.py oms_sweep --every 5` does the same.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from outages import sqlfuncs

log = logging.getLogger(__name__)
_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


async def sweep_forever(every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await database_sync_to_async(sqlfuncs.sweep)()
        except Exception:  # a database away for a while: try again at the next tick
            log.exception("outages_sweep failed")


def start_sweeping(loop: asyncio.AbstractEventLoop) -> None:
    every = settings.OMS_SWEEP_S
    task = _tasks.get(loop)
    if every > 0 and (task is None or task.done()):
        _tasks[loop] = loop.create_task(sweep_forever(every), name="oms-outage-sweep")


def stop_sweeping() -> None:
    for task in _tasks.values():
        task.cancel()
    _tasks.clear()
