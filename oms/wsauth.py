"""Websocket admission: `?token=<key>` (an API token), else the browser's session.

A token client is identified by its key alone. A session is honoured only when the handshake's
Origin is one of ALLOWED_HOSTS, so another site cannot ride an operator's cookie
(cross-site websocket hijacking). Anyone else reaches the consumer as AnonymousUser, and the
consumer closes with 4401.
"""

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

# A dashboard reconnecting does not need a write per handshake to keep `last_used_at` useful.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# Screens sharing a token reconnect together (a server restart): one lookup serves them for
# this long. A revoked token can open a socket for at most this long after revocation.
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, object]] = {}


def _lookup_token(key_hash: str):
    from django.utils import timezone

    from ingest.models import ApiToken

    token = ApiToken.objects.filter(key_hash=key_hash, is_active=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


async def _token_principal(key: str):
    from ingest.tokens import hash_key

    key_hash = hash_key(key)
    cached = _token_cache.get(key_hash)
    if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
        token = cached[1]
    else:
        # Off the consumers' shared database thread, so handshakes do not queue behind it.
        token = await database_sync_to_async(_lookup_token, thread_sensitive=False)(key_hash)
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
