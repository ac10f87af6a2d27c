"""Pages of the orders app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.my_orders, name="my_orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("stores/<int:store_id>/orders/", views.store_orders, name="store_orders"),
    path("stores/<int:store_id>/orders/export.csv", views.store_orders_export, name="store_orders_export"),
]
