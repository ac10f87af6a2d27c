from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("workbench/", views.workbench, name="workbench"),
    path("stores/<int:store_id>/workbench/", views.store_workbench, name="store_workbench"),
    path("ops/", views.ops, name="ops"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
    path("tokens/", views.tokens, name="tokens"),
    path("subjects/", views.subjects, name="subjects"),
    path("stores/", views.my_stores, name="my_stores"),
    path("stores/<int:store_id>/settings/", views.store_settings, name="store_settings"),
    path("stores/<int:store_id>/staff/", views.store_staff, name="store_staff"),
    path("stores/<int:store_id>/links/", views.store_links, name="store_links"),
    path("links/", views.my_links, name="my_links"),
]
