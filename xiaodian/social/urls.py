"""Pages of the social app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "social"
urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/recommended/", views.recommended_deletions, name="recommended"),
    path("moments/", views.moments, name="moments"),
]
