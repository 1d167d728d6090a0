"""Refuse before reading: a request body is never read whole only to be refused.

Two layers, because Daphne (Twisted) receives a whole body before the application sees the
request and then queues all of it in memory for the application:

- `limit_daphne_bodies()` gives Daphne a request class that knows the size limit: a declared
  Content-Length over it is answered 413 at once, a chunked body is cut off the moment it
  passes it (413), and the rest is never read (the connection is closed). At most the limit is
  ever buffered per request.
- `RefuseBeforeReading` wraps Django's ASGI application: before Django reads a body it answers
  413 for a Content-Length over the limit, and for the API's writes 401 without a valid token
  or session and 403 without the view's scope; a chunked body is counted and cut at the limit.
  Under a server that reads on demand (uvicorn) nothing more of a refused body is read.

The limit is INGEST_MAX_BODY_BYTES under /api/ and MAX_REQUEST_BODY_BYTES elsewhere (admin's CSV
imports). Whatever this lets through, Django and DRF check again as before.
"""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.urls import Resolver404, resolve

from oms import errors
from oms.middleware import is_database_unavailable, unavailable_response

logger = logging.getLogger(__name__)

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def body_limit(path: str) -> int:
    if path.startswith("/api/"):
        return settings.INGEST_MAX_BODY_BYTES
    return settings.MAX_REQUEST_BODY_BYTES


def too_large_detail(limit: int) -> dict:
    return errors.body(errors.PAYLOAD_TOO_LARGE, f"Request body is larger than {limit} bytes.")


# --- the ASGI layer ---------------------------------------------------------------------------


async def send_answer(send, status: int, body: dict, extra_headers=()) -> None:
    content = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _required_scope(path: str) -> str | None:
    """The scope the API view at `path` requires, when it guards with HasScope and a fixed
    scope; None when Django should decide (no such view, no scope check, a scope per request)."""
    from rest_framework.settings import api_settings

    from oms.tokens import HasScope

    try:
        match = resolve(path)
    except Resolver404:
        return None
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    if view_class is None:
        return None
    permissions = getattr(view_class, "permission_classes", api_settings.DEFAULT_PERMISSION_CLASSES)
    if HasScope not in permissions:
        return None
    initkwargs = getattr(match.func, "initkwargs", None) or getattr(
        match.func, "view_initkwargs", {}
    )
    try:
        scope = getattr(view_class(**initkwargs), "required_scope", "read")
    except Exception:  # a scope that needs the request: the view decides, after reading
        logger.debug("no fixed scope for %s", path, exc_info=True)
        return None
    return scope if isinstance(scope, str) else None


def _session_user(session_key: str):
    from django.contrib.auth import SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user_id = SessionStore(session_key=session_key).get(SESSION_KEY)
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _credential_refusal(headers: dict, cookies: str, scope_name: str):
    """(status, body) when the caller surely lacks `scope_name`, else (None, token or None)."""
    from django.http.cookie import parse_cookie

    from oms.tokens import token_for_key, user_has_scope

    principal = None
    parts = headers.get(b"authorization", b"").decode("latin1").split()
    if parts and parts[0].lower() in {"token", "bearer"}:
        if len(parts) != 2:
            detail = "Authorization header must be 'Token <key>'."
            return (401, errors.body("authentication_failed", detail)), None
        principal = token_for_key(parts[1])
        if principal is None:
            return (401, errors.body("authentication_failed", "Invalid or inactive token.")), None
    else:
        session_key = parse_cookie(cookies).get(settings.SESSION_COOKIE_NAME)
        principal = _session_user(session_key) if session_key else None
        if principal is None:
            detail = "Authentication credentials were not provided."
            return (401, errors.body("not_authenticated", detail)), None
    if not user_has_scope(principal, scope_name):
        detail = f"This credential lacks the '{scope_name}' scope."
        return (403, errors.body("permission_denied", detail)), None
    return None, principal


def _admission(path: str, headers: dict):
    scope_name = _required_scope(path)
    if scope_name is None:
        return None, None
    return _credential_refusal(headers, headers.get(b"cookie", b"").decode("latin1"), scope_name)


class RefuseBeforeReading:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        limit = body_limit(scope["path"])
        try:
            declared = int(headers[b"content-length"]) if b"content-length" in headers else None
        except ValueError:
            detail = "Content-Length is not a number."
            return await send_answer(send, 400, errors.body(errors.INVALID_REQUEST, detail))
        if declared is not None and declared > limit:
            return await send_answer(send, 413, too_large_detail(limit))
        if scope["path"].startswith("/api/"):
            try:
                refusal, principal = await database_sync_to_async(
                    _admission, thread_sensitive=False
                )(scope["path"], headers)
            except Exception as exc:
                # The token lookup found the database away: 503 as every view answers, not 500.
                if not is_database_unavailable(exc):
                    raise
                response = unavailable_response(exc)
                retry = [(b"retry-after", response["Retry-After"].encode())]
                return await send_answer(send, 503, json.loads(response.content), retry)
            if refusal is not None:
                status, body = refusal
                extra = [(b"www-authenticate", b"Token")] if status == 401 else []
                return await send_answer(send, status, body, extra)
            if principal is not None:
                # DRF's TokenAuthentication takes it from here instead of a second lookup.
                scope = {**scope, "oms.principal": principal}
        if declared is None:
            receive = _CountingReceive(receive, limit)
            try:
                return await self.app(scope, receive, send)
            except _BodyTooLarge:
                return await send_answer(send, 413, too_large_detail(limit))
        return await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class _CountingReceive:
    """A chunked body, cut off when it passes the limit: the application never sees more."""

    def __init__(self, receive, limit: int):
        self.receive, self.limit, self.seen = receive, limit, 0

    async def __call__(self):
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                raise _BodyTooLarge
        return message


# --- the Daphne layer -------------------------------------------------------------------------


def limit_daphne_bodies() -> None:
    """Make Daphne build its HTTP requests from `BodyLimitedRequest` (no-op without Daphne)."""
    from daphne import http_protocol
    from twisted.internet import reactor

    if getattr(http_protocol.WebRequest, "oms_body_limited", False):
        return
    base = http_protocol.WebRequest

    class BodyLimitedRequest(base):
        oms_body_limited = True
        body_limit = 0
        body_seen = 0
        refused = False

        def gotLength(self, length):
            # The request line is parsed (the channel holds its target), the body not yet.
            target = getattr(self.channel, "_path", b"") or b""
            self.body_limit = body_limit(target.split(b"?", 1)[0].decode("latin1"))
            if length is not None and length > self.body_limit:
                self.requestHeaders.removeHeader(b"expect")  # no "100 Continue" after our 413
                self.refuse()
            super().gotLength(0 if self.refused else length)

        def handleContentChunk(self, data):
            if self.refused:
                return
            self.body_seen += len(data)
            if self.body_seen > self.body_limit:
                self.refuse()
                return
            super().handleContentChunk(data)

        def refuse(self):
            """413 now, read nothing more, close once the client could read the answer."""
            self.refused = True
            content = json.dumps(too_large_detail(self.body_limit)).encode()
            transport = self.channel.transport
            transport.write(
                b"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(content), content)
            )
            transport.pauseProducing()
            reactor.callLater(1.0, transport.loseConnection)

        def process(self):
            if self.refused:  # answered already; the connection is closing
                return None
            return super().process()

    http_protocol.WebRequest = BodyLimitedRequest
