"""Pages of the coupons app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "coupons"
urlpatterns = [
    path("stores/<int:store_id>/coupons/", views.store_coupons, name="store_coupons"),
    path("shop/<int:store_id>/coupons/", views.shop_coupons, name="shop_coupons"),
    path("coupons/claim/", views.claim, name="claim"),
    path("me/coupons/", views.my_coupons, name="mine"),
]
