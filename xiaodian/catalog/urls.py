"""Pages of the catalog app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("products/<int:product_id>/", views.product_detail, name="product"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("stores/<int:store_id>/products/", views.store_products, name="store_products"),
    path("stores/<int:store_id>/products/new/", views.product_create, name="product_create"),
]
