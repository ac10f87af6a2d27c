"""The site's URLs plus one page and one API path that fail with a bug, for the 500 tests."""

from django.urls import include, path

handler500 = "xiaodian.web.errors.server_error"


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), path("", include("xiaodian.urls"))]
