"""Pages of the after-sales app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "aftersales"
urlpatterns = [
    path("orders/<int:order_id>/lines/<int:line_id>/aftersale/", views.request_aftersale, name="request"),
    path("aftersales/", views.my_aftersales, name="my_aftersales"),
    path("aftersales/<int:aftersale_id>/", views.aftersale_detail, name="detail"),
    path("stores/<int:store_id>/aftersales/", views.store_aftersales, name="store_aftersales"),
    path("stores/<int:store_id>/return-addresses/", views.return_addresses, name="return_addresses"),
    path("ops/disputes/", views.disputes, name="disputes"),
]
