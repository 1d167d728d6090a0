"""Pages and probes that belong to no single app: `/healthz`, the operator dashboard and the
last demo storm's figures."""

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from oms import demo_quality
from oms.tokens import user_has_scope

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 3.0


def _database_ok() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # hand the connection back to the pool from this worker thread


async def _channel_layer_ok() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # A publish to a group nobody listens to: a round trip to Redis, a no-op in memory.
    await layer.group_send("oms.healthz", {"type": "healthz.ping"})


async def _probe(check) -> str:
    try:
        if asyncio.iscoroutinefunction(check):
            await asyncio.wait_for(check(), PROBE_TIMEOUT)
        else:
            await asyncio.wait_for(sync_to_async(check, thread_sensitive=False)(), PROBE_TIMEOUT)
    except Exception as exc:
        logger.warning("healthz: %s failed: %s", check.__name__, exc)
        return "error"
    return "ok"


@never_cache
async def healthz(request):
    """`{"database": "ok", "channel_layer": "ok"}`; 503 when either is down."""
    database, channel_layer = await asyncio.gather(_probe(_database_ok), _probe(_channel_layer_ok))
    body = {"database": database, "channel_layer": channel_layer}
    from outages.relay import STREAM, relay_state

    body["relay"] = relay_state()
    lag = STREAM.lag_now()
    # Commit → push of the latest push (or the wait of a change not pushed yet); null before one.
    body["relay_lag_seconds"] = None if lag is None else round(lag, 3)
    healthy = database == "ok" and channel_layer == "ok"
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@ensure_csrf_cookie
@login_required
def dashboard(request):
    """The operator's live wall screen (data comes from the API and /ws/outages/)."""
    return render(
        request,
        "dashboard.html",
        {"can_operate": user_has_scope(request.user, "operate")},
    )


class DemoStormView(APIView):
    """The quality figures of the last storm `oms demo` played (oms/demo_quality.py): the
    engine's outages against the storm's ground truth. 404 where no demo storm was played."""

    required_scope = "read"

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: None})
    def get(self, request):
        figures = demo_quality.load()
        if figures is None:
            return Response(
                {"detail": "No demo storm has been played here.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(figures)
