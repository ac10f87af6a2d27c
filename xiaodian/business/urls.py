"""Pages of business contacts (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "business"
urlpatterns = [
    path("business/", views.mine, name="mine"),
    path("business/stores/<int:store_id>/consent/", views.consent, name="consent"),
    path("stores/<int:store_id>/business/", views.store_contacts, name="store_contacts"),
    path("stores/<int:store_id>/business/invite/", views.invite, name="invite"),
    path("stores/<int:store_id>/business/contacts/<int:contact_id>/card/", views.send_card, name="send_card"),
    path("stores/<int:store_id>/service/upgrade/", views.upgrade, name="upgrade"),
]
