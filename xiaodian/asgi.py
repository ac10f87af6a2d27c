"""The ASGI application: Django for HTTP, Channels for websockets."""

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaodian.settings")
# HTTP runs Django's synchronous handler on a thread pool (see docs/decisions.md): one thread hop
# per request instead of two per middleware, and requests overlap while they wait on the database.
django_http = WSGIMiddleware(
    get_wsgi_application(), workers=int(os.environ.get("XIAODIAN_HTTP_THREADS", "16"))
)

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from xiaodian.routing import websocket_urlpatterns  # noqa: E402
from xiaodian.search.text import warm_up  # noqa: E402

warm_up()  # search's dictionaries loaded once and out of the garbage collector's way

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
