"""Websocket admission: `?token=<key>` (an API token), else the browser's session; and the watch
that closes a socket once its credential is gone.

A token client is identified by its key alone. A session is honoured only when the handshake's
Origin is one of ALLOWED_HOSTS, so another site cannot ride an operator's cookie
(cross-site websocket hijacking). Anyone else reaches the consumer as AnonymousUser, and the
consumer closes with 4401.

A socket outlives its handshake, so `CredentialWatch` re-checks every open socket's credential
every WS_CREDENTIAL_CHECK_S, for the whole process in one query per kind: a token rotated,
deactivated or stripped of the scope, a session logged out or expired, a user deactivated →
its sockets are closed with 4401.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

logger = logging.getLogger(__name__)

# Screens sharing a token reconnect together (a server restart): one lookup serves them for
# this long. The watch below closes what a revoked key opened meanwhile.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, object]] = {}


async def _token_principal(key: str):
    from oms.tokens import hash_key, token_for_key

    key_hash = hash_key(key)
    cached = _token_cache.get(key_hash)
    if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        # Off the consumers' shared database thread, so handshakes do not queue behind it.
        token = await database_sync_to_async(token_for_key, thread_sensitive=False)(key)
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[key_hash] = (time.monotonic(), token)
    return token or AnonymousUser()


def _origin(scope):
    for name, value in scope.get("headers", []):
        if name == b"origin":
            try:
                return urlparse(value.decode("latin1"))
            except (UnicodeDecodeError, ValueError):
                return None
    return None


class TokenOrSessionAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner
        self.with_session = AuthMiddlewareStack(inner)
        self.origin_check = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        keys = query.get("token")
        if keys:
            principal = await _token_principal(keys[0])
            return await self.inner({**scope, "user": principal}, receive, send)
        if self.origin_check.valid_origin(_origin(scope)):
            return await self.with_session(scope, receive, send)
        return await self.inner({**scope, "user": AnonymousUser()}, receive, send)


# --- the watch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """What admitted a socket: a token's key hash, or a session key and its user."""

    kind: str  # "token" | "session"
    key: str
    user_id: int | None = None
    scope: str = "read"


def credential_of(scope: dict, required_scope: str) -> Credential | None:
    from oms.models import ApiToken

    user = scope.get("user")
    if isinstance(user, ApiToken):
        return Credential("token", user.key_hash, scope=required_scope)
    session = scope.get("session")
    if user is not None and user.is_authenticated and session is not None:
        return Credential("session", session.session_key, user.pk, required_scope)
    return None


def still_valid(credentials: list[Credential]) -> set[Credential]:
    """The credentials that still admit: one query for the tokens, two for the sessions."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from oms.models import ApiToken

    tokens = [c for c in credentials if c.kind == "token"]
    scopes_of = dict(
        ApiToken.objects.filter(key_hash__in={c.key for c in tokens}, is_active=True).values_list(
            "key_hash", "scopes"
        )
    )
    valid = {c for c in tokens if c.scope in scopes_of.get(c.key, ())}
    sessions = [c for c in credentials if c.kind == "session"]
    if sessions:
        live = set(
            Session.objects.filter(
                session_key__in={c.key for c in sessions}, expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
        active = set(
            get_user_model()
            .objects.filter(pk__in={c.user_id for c in sessions}, is_active=True)
            .values_list("pk", flat=True)
        )
        valid |= {c for c in sessions if c.key in live and c.user_id in active}
    return valid


class CredentialWatch:
    """The open sockets of one event loop and the task that re-checks their credentials."""

    def __init__(self):
        self.sockets: dict[object, Credential] = {}
        self.task: asyncio.Task | None = None

    def add(self, consumer, credential: Credential) -> None:
        self.sockets[consumer] = credential
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def discard(self, consumer) -> None:
        self.sockets.pop(consumer, None)

    async def _run(self) -> None:
        while self.sockets:
            await asyncio.sleep(settings.WS_CREDENTIAL_CHECK_S)
            try:
                await self.check()
            except Exception:  # the database is down: keep the sockets, try again next time
                logger.warning("websocket credential check failed", exc_info=True)

    async def check(self) -> None:
        sockets = dict(self.sockets)
        if not sockets:
            return
        valid = await database_sync_to_async(still_valid, thread_sensitive=False)(
            list(set(sockets.values()))
        )
        for consumer, credential in sockets.items():
            if credential not in valid:
                if credential.kind == "token":
                    _token_cache.pop(credential.key, None)
                self.discard(consumer)
                await consumer.credential_revoked()


_watches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def watch() -> CredentialWatch:
    """The watch of the running event loop (Daphne has one; each async test has its own)."""
    loop = asyncio.get_running_loop()
    if loop not in _watches:
        _watches[loop] = CredentialWatch()
    return _watches[loop]
