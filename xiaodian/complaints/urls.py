"""Pages of the complaints app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("complaints/", views.mine, name="mine"),
    path("complaints/new/", views.new, name="new"),
    path("complaints/<int:complaint_id>/", views.detail, name="detail"),
    path("stores/<int:store_id>/complaints/", views.store_list, name="store_list"),
    path("ops/complaints/", views.queue, name="queue"),
]
