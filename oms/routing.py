"""Websocket routes collected from the apps."""

from outages.routing import websocket_urlpatterns as outage_routes

websocket_urlpatterns: list = [*outage_routes]
