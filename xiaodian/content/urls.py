"""Pages of the content app (mounted at the site root)."""

from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("content/", views.mine, name="mine"),
    path("content/official-accounts/new/", views.create_official_account, name="create_official_account"),
    path("content/video-accounts/new/", views.create_video_account, name="create_video_account"),
    path("content/mini-programs/new/", views.create_mini_program, name="create_mini_program"),
    path("official-accounts/<int:account_id>/", views.official_account, name="official_account"),
    path("official-accounts/<int:account_id>/follow/", views.follow_official_account, name="follow_official"),
    path("official-accounts/<int:account_id>/articles/new/", views.article_editor, name="article_editor"),
    path("articles/<int:article_id>/", views.article, name="article"),
    path("articles/<int:article_id>/publish/", views.publish_article, name="publish_article"),
    path("articles/<int:article_id>/like/", views.like_article, name="like_article"),
    path("video-accounts/<int:account_id>/", views.video_account, name="video_account"),
    path("video-accounts/<int:account_id>/follow/", views.follow_video_account, name="follow_video"),
    path("video-accounts/<int:account_id>/videos/new/", views.video_upload, name="video_upload"),
    path("videos/<int:video_id>/", views.video, name="video"),
    path("videos/<int:video_id>/publish/", views.publish_video, name="publish_video"),
    path("videos/<int:video_id>/like/", views.like_video, name="like_video"),
    path("mini-programs/<int:program_id>/", views.mini_program, name="mini_program"),
]
