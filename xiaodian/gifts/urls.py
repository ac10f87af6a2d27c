"""Pages of the gifts app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "gifts"
urlpatterns = [
    path("gifts/", views.mine, name="mine"),
    path("gifts/send/", views.send, name="send"),
    path("gifts/<int:gift_id>/", views.detail, name="detail"),
    path("gifts/<int:gift_id>/verify/", views.verify, name="verify"),
]
