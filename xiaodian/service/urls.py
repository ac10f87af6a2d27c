"""Pages of customer service (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "service"
urlpatterns = [
    path("service/", views.conversations, name="conversations"),
    path("service/contact/", views.contact, name="contact"),
    path("service/conversations/<int:conversation_id>/", views.chat, name="chat"),
    path("service/conversations/<int:conversation_id>/send/", views.send, name="send"),
    path("service/conversations/<int:conversation_id>/rate/", views.rate, name="rate"),
    path("service/conversations/<int:conversation_id>/close/", views.close, name="close"),
    path("stores/<int:store_id>/service/", views.workbench, name="workbench"),
    path("stores/<int:store_id>/service/sessions/", views.workbench_sessions, name="workbench_sessions"),
    path("stores/<int:store_id>/service/presence/", views.presence, name="presence"),
    path(
        "stores/<int:store_id>/service/conversations/<int:conversation_id>/",
        views.workbench_conversation,
        name="workbench_conversation",
    ),
    path(
        "stores/<int:store_id>/service/conversations/<int:conversation_id>/transfer/",
        views.transfer,
        name="transfer",
    ),
    path("stores/<int:store_id>/service/settings/", views.service_settings, name="settings"),
]
