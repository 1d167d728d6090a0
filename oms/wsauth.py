"""Websocket admission: the browser's session, or `?token=` (filled in by the live-ops work)."""

from channels.auth import AuthMiddlewareStack


def TokenOrSessionAuthMiddleware(inner):
    return AuthMiddlewareStack(inner)
