"""Pages of the ledger app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("stores/<int:store_id>/money/", views.money, name="money"),
    path("stores/<int:store_id>/money/orders/<int:order_id>/", views.order_money, name="order_money"),
    path("stores/<int:store_id>/money/bills/", views.bills, name="bills"),
    path("stores/<int:store_id>/money/bills/<str:day>/", views.bill, name="bill"),
    path("stores/<int:store_id>/money/bills/<str:day>/bill.csv", views.bill_csv, name="bill_csv"),
]
