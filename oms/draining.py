"""Stopping a Daphne process (SIGTERM, Ctrl-C) without stranding its requests, in bounded time.

Daphne, told to stop, cancels every application instance and waits for them with
asyncio.gather, which returns as soon as the first one ends cancelled (a websocket's, a request's
at once); then its event loop stops. A Django request's work goes on meanwhile in a thread
(asgiref waits for sync code, it cannot kill it), and that thread, once its database call
returns, hands back to the loop that no longer runs: it waits forever, and the process with it
(Python joins those threads at exit). Under load, with ingest requests waiting seconds on the
engine's locks, `oms demo` did not stop after SIGTERM (py-spy: the main thread in
concurrent.futures' exit, request threads in asgiref's AsyncToSync, the database already down).

So (oms/asgi.py wires it): each HTTP request runs in a task of its own that Daphne's cancellation
does not reach while the server stops; before the loop stops, the server waits up to
OMS_SHUTDOWN_DRAIN_S seconds for the requests in flight to be answered, and answers one that
arrives meanwhile 503 `server_stopping` with Retry-After. Past the drain what still runs is
cancelled; a process whose exit then still hangs on a request thread (one held in the database
longer than the drain) stops its embedded PostgreSQL and exits EXIT_GRACE_S seconds after its exit
began, saying so.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading

from oms import errors
from oms.admission import send_answer

logger = logging.getLogger(__name__)

EXIT_GRACE_S = 10.0  # after the server stopped, before a hung exit is cut short
RETRY_AFTER = b"5"

_in_flight: set[asyncio.Task] = set()
_stopping = threading.Event()


def in_flight() -> int:
    return len(_in_flight)


class DrainingHttp:
    """The ASGI HTTP application, each request shielded from the server's shutdown."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if _stopping.is_set():
            detail = "The server is stopping; retry on another one or after Retry-After seconds."
            body = errors.body(errors.SERVER_STOPPING, detail)
            extra = [(b"retry-after", RETRY_AFTER), (b"connection", b"close")]
            return await send_answer(send, 503, body, extra)
        request = asyncio.ensure_future(self.app(scope, receive, send))
        _in_flight.add(request)
        request.add_done_callback(_in_flight.discard)
        try:
            return await asyncio.shield(request)
        except asyncio.CancelledError:
            if not _stopping.is_set():  # a client gone, a timeout: the request goes too
                request.cancel()
            raise


async def drain(seconds: float) -> int:
    """Wait until no request is in flight or `seconds` have passed; cancel what is left and
    return how many were."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while _in_flight and loop.time() < deadline:
        await asyncio.wait(set(_in_flight), timeout=deadline - loop.time())
    left = list(_in_flight)
    for request in left:
        request.cancel()
    if left:
        logger.warning("%d request(s) still running after %.0f s: cancelled", len(left), seconds)
    return len(left)


def begin_stopping():
    """Daphne's "before shutdown": refuse new requests, wait for those in flight (a Deferred
    Twisted waits for before it stops the loop). Registered before Daphne's own trigger, so
    its cancellation finds the requests already shielded."""
    from django.conf import settings
    from twisted.internet import defer

    _stopping.set()
    waiting = asyncio.ensure_future(drain(settings.OMS_SHUTDOWN_DRAIN_S))
    return defer.Deferred.fromFuture(waiting)


def guard_exit(grace: float = EXIT_GRACE_S) -> None:
    """Daphne's "after shutdown": should the process's exit still wait `grace` seconds after it
    began, on a request thread, stop the embedded database and exit."""

    def cut_short():
        print(
            f"oms: exit still waiting on a request thread {grace:.0f} s after the server "
            "stopped: exiting without it",
            file=sys.stderr,
            flush=True,
        )
        from oms.embedded import release

        release()  # at exit pgserver would, but that exit is what hangs
        sys.stdout.flush()
        os._exit(1)

    def start_timer():
        timer = threading.Timer(grace, cut_short)
        timer.daemon = True
        timer.start()

    # Python's exit joins every executor's threads (concurrent.futures registers that join
    # here) before it joins the others and runs atexit: these run last registered first, so
    # the clock starts before any join.
    threading._register_atexit(start_timer)
