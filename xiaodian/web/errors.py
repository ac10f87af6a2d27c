"""Django's error views: `{"code", "message"}` under /api/ (CONTRACT.md), the site's own translated
pages elsewhere, each with a way back. They catch what happens outside a view's own handling: a
forged Host header (DisallowedHost → 400), a CSRF refusal, an unknown path, an object a person may
not see, and a server error (the one case that is a bug)."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaodian.core.errors import CODES

# A 500 is no refusal (CODES holds only those): its JSON and its page are kept here.
SERVER_ERROR = gettext_lazy("服务器出错了，请稍后再试。")


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(CODES[code][1])}, status=status)


def _page(request, status: int, title: str, explanation: str) -> HttpResponse:
    context = {"status": status, "title": title, "explanation": explanation}
    return render(request, "web/error.html", context, status=status)


def bad_request(request, exception=None):
    if _api(request):
        return _json("malformed_request", 400)
    return _page(request, 400, _("请求无法处理"), _("这个请求的地址或内容不完整。请从首页重新打开。"))


def permission_denied(request, exception=None):
    if _api(request):
        return _json("permission_denied", 403)
    why = str(exception or "")  # a store page's refusal says which permission its role lacks
    return _page(
        request,
        403,
        _("没有权限"),
        why or _("你的账号不能打开这个页面。换一个有权限的账号登录，或请店主为你分配角色。"),
    )


def csrf_failure(request, reason=""):
    if _api(request):
        return _json("permission_denied", 403)
    return _page(
        request,
        403,
        _("页面已过期"),
        _("为了安全，这次提交没有被接受（页面停留太久或在别的窗口退出了登录）。请刷新页面后再提交一次。"),
    )


def page_not_found(request, exception=None):
    if _api(request):
        return _json("not_found", 404)
    return _page(
        request,
        404,
        _("页面不存在"),
        _("这个地址没有内容：商品可能已下架，或者链接输错了。"),
    )


def server_error(request):
    if _api(request):
        return JsonResponse({"code": "server_error", "message": str(SERVER_ERROR)}, status=500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)
