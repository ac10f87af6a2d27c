"""Pages of chats (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "chats"
urlpatterns = [
    path("chats/", views.conversations, name="conversations"),
    path("chats/open/", views.open_direct, name="open_direct"),
    path("chats/groups/new/", views.create_group, name="create_group"),
    path("chats/<int:conversation_id>/", views.conversation, name="conversation"),
    path("chats/<int:conversation_id>/send/", views.send, name="send"),
    path("chats/groups/<int:group_id>/", views.group, name="group"),
    path("chats/groups/<int:group_id>/invite/", views.invite, name="invite"),
    path("chats/groups/<int:group_id>/leave/", views.leave, name="leave"),
    path("chats/groups/<int:group_id>/<slug:action>/", views.manage, name="manage"),
    path("chats/invitations/<int:invitation_id>/<slug:answer>/", views.answer_invitation, name="answer"),
]
