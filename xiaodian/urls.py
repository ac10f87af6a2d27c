from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from xiaodian.api import api


def media(request, path):
    """Uploaded media from the data directory, as MEDIA_ROOT says at request time (a test's own)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Uploaded media from the data directory; production puts a CDN or nginx in front (docs/operations.md).
    re_path(r"^media/(?P<path>.*)$", media),
    path("sandbox/wechatpay/", include("xiaodian.wechatpay_sandbox.urls")),
    path("", include("xiaodian.catalog.urls")),
    path("", include("xiaodian.orders.urls")),
    path("", include("xiaodian.aftersales.urls")),
    path("", include("xiaodian.reviews.urls")),
    path("", include("xiaodian.complaints.urls")),
    path("", include("xiaodian.ledger.urls")),
    path("", include("xiaodian.alliance.urls")),
    path("", include("xiaodian.coupons.urls")),
    path("", include("xiaodian.shares.urls")),
    path("", include("xiaodian.gifts.urls")),
    path("", include("xiaodian.business.urls")),
    path("", include("xiaodian.social.urls")),
    path("", include("xiaodian.content.urls")),
    path("", include("xiaodian.stores.urls")),
    path("", include("xiaodian.live.urls")),
    path("", include("xiaodian.search.urls")),
    path("", include("xiaodian.service.urls")),
    path("", include("xiaodian.chats.urls")),
    path("", include("xiaodian.distribution.urls")),
    path("", include("xiaodian.analytics.urls")),
    path("", include("xiaodian.web.urls")),
]

handler400 = "xiaodian.web.errors.bad_request"
handler403 = "xiaodian.web.errors.permission_denied"
handler404 = "xiaodian.web.errors.page_not_found"
handler500 = "xiaodian.web.errors.server_error"
