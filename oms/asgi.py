"""ASGI entry point: HTTP through Django, websockets through Channels, and the outage relay.

Bodies are refused before they are read when too large or unauthorized (oms/admission.py).

The relay (outages/relay.py) starts with the server: under Daphne when its reactor runs, under
servers that speak the ASGI lifespan protocol (uvicorn) at startup.
"""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from oms.admission import RefuseBeforeReading, limit_daphne_bodies  # noqa: E402
from oms.draining import DrainingHttp, begin_stopping, guard_exit  # noqa: E402
from oms.routing import websocket_urlpatterns  # noqa: E402
from oms.wsauth import TokenOrSessionAuthMiddleware  # noqa: E402
from outages.relay import ensure_relay_started, stop_relay  # noqa: E402


async def lifespan(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            ensure_relay_started()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            stop_relay()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _http_app():
    """Django, serving /static/ itself unless OMS_SERVE_STATIC=off (then a proxy serves it)."""
    from django.conf import settings

    if not settings.OMS_SERVE_STATIC:
        return django_asgi_app
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(django_asgi_app)


application = ProtocolTypeRouter(
    {
        # Size, credentials and scope are checked before a body is read (oms/admission.py).
        # A stopping Daphne answers the requests in flight first (oms/draining.py).
        "http": DrainingHttp(RefuseBeforeReading(_http_app())),
        "websocket": TokenOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns)),
        "lifespan": lifespan,
    }
)


def _start_with_daphne() -> None:
    """Daphne has no lifespan events: start the relay when its (asyncio) reactor runs."""
    if "daphne.server" not in sys.modules:
        return
    from twisted.internet import reactor

    limit_daphne_bodies()
    # Startup triggers fire before the asyncio loop spins; callLater runs inside it.
    reactor.callWhenRunning(reactor.callLater, 0, ensure_relay_started)
    reactor.addSystemEventTrigger("before", "shutdown", stop_relay)
    # Before Daphne's own trigger (added when its server runs, after this import): the requests
    # in flight are answered before the loop stops, and the exit is bounded.
    reactor.addSystemEventTrigger("before", "shutdown", begin_stopping)
    reactor.addSystemEventTrigger("after", "shutdown", guard_exit)


_start_with_daphne()
