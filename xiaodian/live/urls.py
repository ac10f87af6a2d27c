"""Pages of the live app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("video-accounts/<int:account_id>/live/", views.account_rooms, name="account_rooms"),
    path("live-rooms/<int:room_id>/", views.room, name="room"),
    path("live-rooms/<int:room_id>/manage/", views.manage, name="manage"),
    path("live-rooms/<int:room_id>/comments/", views.comment, name="comment"),
    path("live-rooms/<int:room_id>/buy/", views.buy, name="buy"),
]
