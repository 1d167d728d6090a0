"""`DatabaseUnavailableMiddleware`: the database being down or saturated is a 503, not a 500.

When PostgreSQL is down, restarting, refusing connections, or the pool cannot hand out a
connection in time (all of which psycopg and Django raise as OperationalError or
InterfaceError), every view answers 503 with `Retry-After` and a JSON body: clients and feeds
retry, and nothing they were told was stored is lost (a failed transaction stored nothing).
The pool replaces broken connections by itself (CONN_HEALTH_CHECKS makes it test each one it
hands out), so the service recovers without a restart once the database is back.

Errors raised by a view reach `process_exception`; errors raised elsewhere in the request (a
middleware saving the session, say) are turned into a 500 by Django before they get here, so a
`got_request_exception` receiver marks the request and the 500 is answered as a 503 instead.
"""

from __future__ import annotations

import logging
import sys

import psycopg
from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import JsonResponse

from oms import errors

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
_MARK = "_oms_database_unavailable"


def retry_after() -> int:
    return settings.DATABASE_UNAVAILABLE_RETRY_AFTER


def is_database_unavailable(error: BaseException | None) -> bool:
    """The error, or one it was raised from, says the database cannot serve right now."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, UNAVAILABLE):
            return True
        seen.add(id(error))
        error = error.__cause__
    return False


def unavailable_response(error: BaseException) -> JsonResponse:
    seconds = retry_after()
    logger.warning("database unavailable, answering 503: %s", str(error).strip()[:300])
    response = JsonResponse(
        errors.body(
            errors.DATABASE_UNAVAILABLE,
            "The database is unavailable; nothing was stored. Retry later.",
            retry_after=seconds,
        ),
        status=503,
    )
    response["Retry-After"] = str(seconds)
    return response


@receiver(got_request_exception)
def _mark_unavailable(sender, request=None, **kwargs):
    """Runs inside Django's handling of an uncaught exception (sys.exc_info() is set)."""
    error = sys.exc_info()[1]
    if request is not None and is_database_unavailable(error):
        setattr(request, _MARK, error)


class DatabaseUnavailableMiddleware:
    """First in MIDDLEWARE, so it sees the final response of every other layer."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self._finish(request, self.get_response(request))

    async def __acall__(self, request):
        return self._finish(request, await self.get_response(request))

    def _finish(self, request, response):
        error = getattr(request, _MARK, None)
        if error is not None and response.status_code == 500:
            return unavailable_response(error)
        return response

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            return unavailable_response(exception)
        return None
