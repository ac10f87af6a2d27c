"""Pages of the alliance app (mounted at the site root)."""

from django.urls import path

from . import report_views, views

app_name = "alliance"
urlpatterns = [
    path("stores/<int:store_id>/alliance/", views.store_alliance, name="store_alliance"),
    path("alliance/", views.center, name="center"),
    path("alliance/agency/", report_views.agency, name="agency"),
    path("ops/alliance/", report_views.ops_alliance, name="ops_alliance"),
    path("a/<str:code>", views.share, name="share"),
    path("alliance/showcase/<int:promoter_id>/", views.showcase, name="showcase"),
    path("alliance/touchpoints/", views.touchpoints, name="touchpoints"),
]
