"""Pages of the reviews app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("orders/<int:order_id>/lines/<int:line_id>/review/", views.review_form, name="review_form"),
    path("reviews/<int:review_id>/follow-up/", views.follow_up_form, name="follow_up_form"),
    path("reviews/<int:review_id>/reply/", views.reply_form, name="reply_form"),
    path("products/<int:product_id>/reviews/", views.product_reviews, name="product_reviews"),
    path("stores/<int:store_id>/reviews/", views.store_reviews, name="store_reviews"),
]
