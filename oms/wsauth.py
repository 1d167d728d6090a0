"""Websocket admission: the browser's session, or `?token=` (filled in by the live-ops work)."""

from channels.auth import AuthMiddlewareStack


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 - reads like the middleware class it wraps
    return AuthMiddlewareStack(inner)
