"""The store's pages: the public store page (its published homepage), and the merchant's homepage
editor with its preview. Each view parses a form, calls a service or a selector and renders; a
refusal is shown next to its field.

The editor needs `manage_products` (homepage content is merchandising, the operator's work as
much as the owner's); the preview any role in the store: no role → 404, a role without the
permission → 403, as everywhere (`stores.access.store_for`).
"""

from dataclasses import dataclass

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiaodian.accounts.rules import Perm
from xiaodian.content import cards
from xiaodian.core.errors import DomainError
from xiaodian.core.text import is_digits

from . import homepage, rules, selectors, services
from .access import store_for
from .forms import FORMS, TYPE_LABELS, BannerForm, ModuleForm


def _store(request, store_id: int, perm: str):
    try:
        return store_for(request.user, store_id, perm)
    except DomainError as exc:
        raise (Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)) from exc


# ------------------------------------------------------------------------------- the store page


@require_GET
def shop(request, store_id: int):
    """The public store page: the published homepage of an open store (its newest products while
    nothing is published). Anything else → 404."""
    try:
        page = selectors.shop_page(store_id, category_id=_category_id(request))
    except DomainError as exc:
        raise Http404 from exc
    context = {
        "page": page,
        "store": page.store,
        # the store's coupons to claim (coupons fills this; one query)
        "coupons": cards.coupon_cards(page.store.pk),
    }
    return render(request, "stores/shop.html", context)


def _category_id(request) -> int | None:
    """`?category=` of the store page: an in-store category (anything else shows the homepage)."""
    value = request.GET.get("category", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def homepage_preview(request, store_id: int):
    """The store page as the draft would make it, for the store's staff. `?frame=1`: without the
    site's header, for the editor's phone-sized frame (the only page this site lets itself frame)."""
    store = _store(request, store_id, Perm.VIEW)
    page = selectors.homepage_preview(store, category_id=_category_id(request))
    framed = request.GET.get("frame") == "1"
    base = "stores/frame_base.html" if framed else "web/base.html"
    return render(request, "stores/shop.html", {"page": page, "store": store, "base": base, "framed": framed})


# ----------------------------------------------------------------------------------- the editor


@dataclass
class EditorModule:
    """A draft module as the editor lists it: what it shows, and its form to configure it."""

    index: int
    type: str
    label: str
    title: str
    image_url: str
    items: list[str]  # what it shows, by name
    form: ModuleForm
    is_last: bool


def _items(module: dict, choices: homepage.Choices) -> list[str]:
    """Names of what a module shows, from the editor's lists (an id when it is not there)."""
    products = {p.id: p.title for p in choices.products}
    if module["type"] == "banner":
        pid = module.get("product_id")
        return [_("链接：%(title)s") % {"title": products.get(pid, f"#{pid}")}] if pid else []
    if module["type"] == "product_grid":
        if module.get("mode") == "auto":
            return [_("最新上架的 %(n)s 件商品") % {"n": module.get("limit")}]
        return [products.get(i, f"#{i}") for i in module.get("product_ids", [])]
    if module["type"] == "articles":
        articles = {a.id: a.title for a in choices.articles}
        return [articles.get(i, f"#{i}") for i in module.get("article_ids", [])]
    if module["type"] == "videos":
        videos = {v.id: v.title for v in choices.videos}
        return [videos.get(i, f"#{i}") for i in module.get("video_ids", [])]
    programs = {p.id: p.name for p in choices.mini_programs}
    pid = module.get("mini_program_id")
    return [programs.get(pid, f"#{pid}")]


def _draft(page) -> list[dict]:
    return [m for m in page.draft if isinstance(m, dict) and m.get("type") in FORMS]


def _choices(store, draft: list[dict]) -> homepage.Choices:
    """The editor's lists, with the products the draft already names (even when not the newest)."""
    named = [i for m in draft for i in [*(m.get("product_ids") or []), m.get("product_id")] if i]
    return selectors.homepage_choices(store, keep_product_ids=named)


def _editor(request, store, *, status: int = 200, failed: ModuleForm | None = None, failed_index=None):
    page = selectors.homepage_of(store)
    draft = _draft(page)
    choices = _choices(store, draft)
    modules = []
    for index, module in enumerate(draft):
        form_class = FORMS[module["type"]]
        form = (
            failed
            if failed is not None and failed_index == index
            else form_class(initial=form_class.initial_of(module), prefix=f"m{index}", choices=choices)
        )
        modules.append(
            EditorModule(
                index=index,
                type=module["type"],
                label=TYPE_LABELS[module["type"]],
                title=module.get("title", ""),
                image_url=default_storage.url(module["image"]) if module.get("image") else "",
                items=_items(module, choices),
                form=form,
                is_last=index == len(draft) - 1,
            )
        )
    add_forms = [
        failed
        if failed is not None and failed_index is None and failed.type == kind
        else form(prefix=kind, choices=choices)
        for kind, form in FORMS.items()
    ]
    context = {
        "store": store,
        "homepage": page,
        "draft_key": homepage.draft_key(page.draft),
        "publish_confirm": _publish_confirm(page, modules),
        "modules": modules,
        "add_forms": add_forms,
        "choices": choices,
        "modules_max": rules.MODULES_MAX,
        "unpublished_changes": page.draft != page.published,
    }
    return render(request, "stores/homepage_editor.html", context, status=status)


def _module_names(modules: list) -> str:
    names = [
        f"{TYPE_LABELS[m['type']]}「{m['title']}」" if m.get("title") else str(TYPE_LABELS[m["type"]])
        for m in modules
    ]
    return _("、").join(names) or _("（无）")


def _publish_confirm(page, modules: list[EditorModule]) -> str:
    """The question the publish button asks: which version goes live, with what, replacing what."""
    changes = selectors.homepage_changes(page)
    lines = [_("发布第 %(version)s 版？") % {"version": page.version + 1}]
    if not changes.any:
        lines.append(_("草稿与已发布的版本相同，买家看到的不会变。"))
    else:
        parts = []
        if changes.added:
            parts.append(_("新增或修改 %(n)s 个模块") % {"n": changes.added})
        if changes.removed:
            parts.append(_("移除 %(n)s 个模块") % {"n": changes.removed})
        if changes.reordered:
            parts.append(_("调整顺序"))
        lines.append(_("与已发布的版本相比：%(changes)s。") % {"changes": _("，").join(parts)})
    shown = [{"type": m.type, "title": m.title} for m in modules]
    lines.append(_("买家将看到：%(modules)s") % {"modules": _module_names(shown)})
    if page.version:
        published = [m for m in page.published if isinstance(m, dict) and m.get("type") in TYPE_LABELS]
        lines.append(_("现在看到的是：%(modules)s") % {"modules": _module_names(published)})
    else:
        lines.append(_("现在看到的是：最新上架的商品。"))
    return "\n".join(lines)


def _index(request) -> int:
    try:
        return int(request.POST.get("index", ""))
    except ValueError as exc:
        raise Http404 from exc


def _configure(request, store, index: int | None):
    """Add a module (index None) or configure the one at `index`, from its type's form."""
    kind = request.POST.get("type", "")
    if kind not in FORMS:
        raise Http404
    choices = _choices(store, _draft(selectors.homepage_of(store)))
    prefix = kind if index is None else f"m{index}"
    form = FORMS[kind](request.POST, request.FILES, prefix=prefix, choices=choices)
    try:
        if not form.is_valid():
            raise _Invalid
        if isinstance(form, BannerForm):
            module = form.module(image=_banner_image(store, form, index))
        else:
            module = form.module()
        if index is None:
            services.add_homepage_module(store=store, module=module)
        else:
            services.update_homepage_module(store=store, index=index, module=module)
    except _Invalid:
        return _editor(request, store, status=422, failed=form, failed_index=index)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        form.add_domain_error(exc)
        return _editor(request, store, status=422, failed=form, failed_index=index)
    messages.success(request, _("模块已添加。") if index is None else _("模块已保存。"))
    return None


class _Invalid(Exception):
    pass


def _banner_image(store, form: BannerForm, index: int | None) -> str:
    """The uploaded image's path, or (configuring a banner without a new one) the one it had."""
    upload = form.cleaned_data.get("image")
    if upload:
        return services.upload_homepage_image(store=store, upload=upload)
    draft = selectors.homepage_of(store).draft
    if index is not None and 0 <= index < len(draft) and draft[index].get("image"):
        return draft[index]["image"]
    form.add_error("image", _("请选择一张图片。"))
    raise _Invalid


@login_required
@require_http_methods(["GET", "POST"])
def homepage_editor(request, store_id: int):
    """Compose the homepage: add a module of any type, configure, move up or down, remove; preview
    the draft; publish it."""
    store = _store(request, store_id, Perm.MANAGE_PRODUCTS)
    if request.method == "GET":
        return _editor(request, store)
    action = request.POST.get("action", "")
    try:
        if action == "add":
            failed = _configure(request, store, None)
        elif action == "configure":
            failed = _configure(request, store, _index(request))
        elif action in ("up", "down"):
            offset = -1 if action == "up" else 1
            services.move_homepage_module(store=store, index=_index(request), offset=offset)
            failed = None
        elif action == "remove":
            services.remove_homepage_module(store=store, index=_index(request))
            messages.success(request, _("模块已删除。"))
            failed = None
        elif action == "publish":
            page = services.publish_homepage(store=store)
            messages.success(request, _("首页已发布（第 %(version)s 版）。") % {"version": page.version})
            failed = None
        else:
            raise Http404
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from exc
        messages.error(request, _module_message(exc))
        return redirect("stores:homepage_editor", store_id=store.pk)
    return failed if failed is not None else redirect("stores:homepage_editor", store_id=store.pk)


def _module_message(exc: DomainError) -> str:
    """A refusal about the whole draft, saying which module it concerns."""
    parts = (exc.field or "").split(".")
    if len(parts) >= 2 and parts[0] == "modules" and is_digits(parts[1]):
        return _("第 %(n)s 个模块：%(message)s") % {"n": int(parts[1]) + 1, "message": exc.message}
    return exc.message


@require_POST
def homepage_order(request, store_id: int):
    """Save the draft's modules in a new order (the editor's drag and drop, or its up/down buttons
    with script on): `order` = every module's current index once, comma-separated, in the new
    order; `key` = the draft's fingerprint the editor showed. JSON either way: `{"key"}` of the
    reordered draft, or a refusal as `{"code", "message", "field"}` with its 4xx status (signed
    out: 401, not a redirect to the sign-in page a script cannot read)."""
    try:
        store = store_for(request.user, store_id, Perm.MANAGE_PRODUCTS)
        order = _order(request.POST.get("order", ""))
        page = services.reorder_homepage_modules(store=store, order=order, key=request.POST.get("key", ""))
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"key": homepage.draft_key(page.draft), "modules": len(page.draft)})


def _order(text: str) -> list[int]:
    parts = text.split(",") if text else []
    if len(parts) > rules.MODULES_MAX or not all(is_digits(p) for p in parts):
        raise DomainError("validation_error", _("新的顺序须包含每个模块各一次。"), field="order")
    return [int(p) for p in parts]
