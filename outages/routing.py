"""Websocket routes of outages."""

from django.urls import path

from outages.consumers import OutageFeedConsumer

websocket_urlpatterns = [path("ws/outages/", OutageFeedConsumer.as_asgi())]
