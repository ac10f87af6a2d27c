from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("stores/<int:store_id>/data/", views.data_center, name="data"),
    path("ops/money/", views.platform_money, name="platform_money"),
]
