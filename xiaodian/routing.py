"""Websocket routes; each app adds its own here."""

from django.urls import path

from xiaodian.chats.consumers import ChatConsumer
from xiaodian.live.consumers import LiveRoomConsumer
from xiaodian.service.consumers import ServiceConsumer
from xiaodian.web.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/live/<int:room_id>/", LiveRoomConsumer.as_asgi()),
    path("ws/service/", ServiceConsumer.as_asgi()),
    path("ws/chats/", ChatConsumer.as_asgi()),
]
