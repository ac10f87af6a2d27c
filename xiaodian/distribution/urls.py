from django.urls import path

from . import views

app_name = "distribution"
urlpatterns = [
    path("discover/", views.discover, name="discover"),
    path("live-square/", views.live_square, name="live_square"),
    path("ops/exposure/", views.ops_exposure, name="ops_exposure"),
]
