"""Websocket routes; each app adds its own here."""

from django.urls import path

from xiaodian.web.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
