"""Websocket admission: `?token=<key>` (an API token), else the browser's session.

A token client is identified by its key alone. A session is honoured only when the handshake's
Origin is one of ALLOWED_HOSTS, so another site cannot ride an operator's cookie
(cross-site websocket hijacking). Anyone else reaches the consumer as AnonymousUser, and the
consumer closes with 4401.
"""

from urllib.parse import parse_qs, urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _token_principal(key: str):
    from ingest.tokens import token_for_key

    return token_for_key(key) or AnonymousUser()


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
