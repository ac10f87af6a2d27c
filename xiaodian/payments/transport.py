"""How requests travel between the merchant side, WeChat Pay (or the sandbox) and the notify URL.

Over HTTP, except for URLs on `config.IN_PROCESS_ORIGIN`, which mean "this application". The
process that serves the sandbox's pay page may be the only one (the demo runs one uvicorn worker),
and a synchronous view calling its own server over a socket would wait for itself forever. So those
requests are handed, as they are (method, URL, headers, body bytes), to this Django application's
request handler in the same thread, and its response bytes come back as the HTTP response. The
protocol (signatures, encryption, headers) is exactly what goes over the wire; only the socket is
skipped.

The handler is Django's own (middleware, URLconf, views), minus the request_started/finished
signals: those recycle the thread's database connection, which the calling request is still using
(Django's test client leaves them out for the same reason).
"""

import io
import sys
import threading
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.urls import get_urlconf, set_urlconf
from django.utils import translation
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from .config import IN_PROCESS_ORIGIN

IN_PROCESS_KEY = "xiaodian.in_process"  # set in the WSGI environ of in-process requests

_handler: BaseHandler | None = None
_handler_lock = threading.Lock()


def _django_handler() -> BaseHandler:
    global _handler
    with _handler_lock:
        if _handler is None:
            handler = BaseHandler()
            handler.load_middleware()
            _handler = handler
    return _handler


def _local_host() -> str:
    """A Host header this application accepts."""
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            return "localhost"
        if host:
            return host.lstrip(".")
    return "localhost"


class InProcessAdapter(BaseAdapter):
    """A `requests` transport that answers from this application instead of a socket."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        host = _local_host()
        environ = {
            "REQUEST_METHOD": request.method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(url.path or "/").decode("iso-8859-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": host,
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": host,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            IN_PROCESS_KEY: True,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key not in ("CONTENT_LENGTH", "HOST"):
                environ[f"HTTP_{key}"] = value

        language, urlconf = translation.get_language(), get_urlconf()
        try:
            answer = _django_handler().get_response(WSGIRequest(environ))
            content = b"".join(answer.streaming_content) if answer.streaming else answer.content
        finally:  # the calling request carries on in its own language and URLconf
            set_urlconf(urlconf)
            if language:
                translation.activate(language)
            else:
                translation.deactivate()

        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(answer.items())
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(content)
        response._content = content
        response._content_consumed = True
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self):
        pass


def session() -> requests.Session:
    """A session that goes over HTTP, except to the in-process origin."""
    s = requests.Session()
    s.mount(IN_PROCESS_ORIGIN + "/", InProcessAdapter())
    return s


class _SDKRequests:
    """Stands in for the `requests` module inside `wechatpayv3.core`, whose `Core.request` calls
    `requests.get/post/...` directly: the same calls, through `session()`. Every URL other than the
    in-process origin goes over the network exactly as before."""

    def request(self, method: str, url: str, **kwargs):
        with session() as s:
            return s.request(method, url, **kwargs)

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def put(self, url, **kwargs):
        return self.request("PUT", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)


def install_in_sdk() -> None:
    import wechatpayv3.core

    if not isinstance(wechatpayv3.core.requests, _SDKRequests):
        wechatpayv3.core.requests = _SDKRequests()
