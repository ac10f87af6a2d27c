"""Pages of the shares app (mounted at the site root): the short link a shared card opens, and
the sharer's own list."""

from django.urls import path

from . import views

app_name = "shares"
urlpatterns = [
    path("s/<str:code>", views.open_share, name="open"),
    path("me/shares/", views.my_shares, name="mine"),
]
