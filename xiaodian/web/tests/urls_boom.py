"""The site's URLs plus one page and one API path that fail with a bug, for the 500 tests."""

from django.urls import path

from xiaodian.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *urlpatterns]
