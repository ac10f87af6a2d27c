"""Pages of the stores app (mounted at the site root): the public store page, and the homepage
editor and its preview."""

from django.urls import path

from . import views

app_name = "stores"
urlpatterns = [
    path("shop/<int:store_id>/", views.shop, name="shop"),
    path("stores/<int:store_id>/homepage/", views.homepage_editor, name="homepage_editor"),
    path("stores/<int:store_id>/homepage/order/", views.homepage_order, name="homepage_order"),
    path("stores/<int:store_id>/homepage/preview/", views.homepage_preview, name="homepage_preview"),
]
