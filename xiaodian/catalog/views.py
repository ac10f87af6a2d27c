"""The catalog's pages: the public product page, and the merchant's product list, create and edit
pages. Each view parses a form, calls a service (writes) or a selector (reads) and renders; a
service's DomainError is shown next to the field or the product it concerns.

Merchant pages go through `stores.access.store_for` / `catalog.access.product_for`: no role in
the store → 404, a role without `manage_products` → 403.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.content import cards
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import can, store_for

from . import rules, selectors, services
from .access import product_for
from .forms import (
    SKU_PREFIX,
    BulkChangeForm,
    ImageForm,
    NewProductForm,
    ProductFilterForm,
    ProductForm,
    SkuFormSet,
    matrix_initial,
    posted_rows,
    show_domain_error,
    sku_initial,
    sku_input,
    spec_initial,
)
from .rules import ProductState

MAX_OFFSET = 1_000_000


def _http(exc: DomainError) -> Exception:
    """A permission refusal as the page answers it: 404 (not yours) or 403 (not your role)."""
    return Http404(exc.message) if exc.status == 404 else PermissionDenied(exc.message)


def _store(request, store_id: int, perm: str):
    try:
        return store_for(request.user, store_id, perm)
    except DomainError as exc:
        raise _http(exc) from exc


def _product(request, product_id: int, perm: str = Perm.MANAGE_PRODUCTS):
    try:
        return product_for(request.user, product_id, perm)
    except DomainError as exc:
        raise _http(exc) from exc


def _action(request) -> str:
    return request.POST.get("action", "") if request.method == "POST" else ""


def _posted_id(request, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError as exc:
        raise Http404 from exc


def _cart_url() -> str:
    """The orders app's add-to-cart URL, or "" while it has none (the page then shows no form)."""
    try:
        return reverse("orders:cart_add")
    except NoReverseMatch:
        return ""


# ------------------------------------------------------------------------------------ product page


SCENE_PARAMS = ("scene", "source_type", "source_id")


def product_detail(request, product_id: int):
    """The public product page (a listed product of an open store); its store's staff see any state."""
    try:
        page = selectors.product_page(product_id, viewer=request.user)
    except DomainError as exc:
        raise Http404 from exc
    in_stock = [sku for sku in page.skus if sku.stock > 0]
    context = {
        "page": page,
        "product": page.product,
        "store": page.store,
        "cart_url": _cart_url() if page.is_public and in_stock else "",
        "chosen": in_stock[0] if in_stock else None,
        "may_manage": can(page.store, Perm.MANAGE_PRODUCTS),
        "low_stock": rules.LOW_STOCK,
        # Where this visit came from travels with the buy form (the orders pages check it).
        "scene_params": {k: request.GET[k] for k in SCENE_PARAMS if request.GET.get(k)},
        "share_url": _share_url(request),
        # the store's and this product's coupons to claim (coupons fills this; one query)
        "coupons": cards.coupon_cards(page.store.pk, product_id=page.product.pk) if page.is_public else [],
    }
    return render(request, "catalog/product_detail.html", context)


def _share_url(request) -> str:
    """The link a person shares: opening it records scene 4 (product share) and who shared it."""
    params = {"scene": rules.SHARE_SCENE, "source_type": "share"}
    if request.user.is_authenticated:
        params["source_id"] = request.user.pk
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


# ------------------------------------------------------------------------------- merchant: the list


def _list_url(store, query: dict) -> str:
    """The list's URL with the filters (and page) in `query`, empty ones left out."""
    url = reverse("catalog:store_products", args=[store.pk])
    kept = {k: v for k, v in query.items() if v not in ("", None, False, 0)}
    return f"{url}?{urlencode(kept)}" if kept else url


def _query(filters: selectors.ProductFilters) -> dict:
    return {
        "q": filters.q,
        "state": filters.state or "",
        "category": filters.category_id or "",
        "low": "1" if filters.low_stock else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def store_products(request, store_id: int):
    """A store's products, searched and filtered (title, state, category, low stock) and paged;
    list / delist each (htmx swaps the one row); change the price or stock of those ticked."""
    action = _action(request)
    if action not in ("", "list", "delist", "bulk"):
        raise Http404
    store = _store(request, store_id, Perm.MANAGE_PRODUCTS if action else Perm.VIEW)
    categories = selectors.store_product_categories(store)
    filter_form = ProductFilterForm(request.GET, categories=categories)
    filters = selectors.ProductFilters(**filter_form.filters())
    query = _query(filters)
    state = filters.state or ""
    errors: dict[int, DomainError] = {}
    bulk_form = BulkChangeForm(request.POST) if action == "bulk" else BulkChangeForm()
    chosen: set[int] = set()
    if action == "bulk":
        chosen = {int(pk) for pk in request.POST.getlist("product_ids") if pk.isdigit()}
        if bulk_form.is_valid():
            try:
                done = services.bulk_change_skus(
                    store=store, product_ids=sorted(chosen), **bulk_form.service_kwargs()
                )
            except DomainError as exc:
                bulk_form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("已修改 %(products)d 个商品的 %(skus)d 个规格。")
                    % {"products": done.products, "skus": done.skus},
                )
                return redirect(_list_url(store, {**query, "offset": request.GET.get("offset", "")}))
    elif action:
        try:
            product = selectors.product_of_store(store, _posted_id(request, "product_id"))
        except DomainError as exc:
            raise Http404 from exc
        move = services.list_product if action == "list" else services.delist_product
        try:
            move(product=product)
        except DomainError as exc:
            errors[product.pk] = exc
        else:
            if not request.htmx:
                done_text = _("“%(title)s”已上架。") if action == "list" else _("“%(title)s”已下架。")
                messages.success(request, done_text % {"title": product.title})
                return redirect(_list_url(store, query))
        if request.htmx:
            item = selectors.products_of_store(store).get(pk=product.pk)
            item.cover_url = selectors.cover_url(item.cover)
            context = {
                "item": item,
                "store": store,
                "state": state,
                "query": urlencode({k: v for k, v in query.items() if v}),
                "tabs": _tabs(store, filters),
                "error": errors.get(product.pk),
                "low_stock": rules.LOW_STOCK,
                "may_manage": True,
            }
            return render(request, "catalog/partials/product_row_response.html", context)
    products = selectors.products_of_store(store, filters=filters)
    try:
        offset = min(max(int(request.GET.get("offset", 0)), 0), MAX_OFFSET)
    except ValueError:
        offset = 0
    size = rules.MERCHANT_PAGE_SIZE
    items = list(products[offset : offset + size])
    for item in items:
        item.error = errors.pop(item.pk, None)
        item.cover_url = selectors.cover_url(item.cover)
        item.chosen = item.pk in chosen
    for refusal in errors.values():  # the product is not on this page: say it at the top
        messages.error(request, refusal.message)
    tabs = _tabs(store, filters)
    total = next(count for value, _label, count, _url in tabs if value == state)
    context = {
        "store": store,
        "items": items,
        "state": state,
        "query": urlencode({k: v for k, v in query.items() if v}),
        "tabs": tabs,
        "filter_form": filter_form,
        "filtering": filters.narrowing,
        "clear_url": _list_url(store, {"state": state}),
        "bulk_form": bulk_form,
        "bulk_max": rules.BULK_PRODUCTS_MAX,
        "total": total,
        "low_stock": rules.LOW_STOCK,
        "may_manage": can(store, Perm.MANAGE_PRODUCTS),
        "previous": _list_url(store, {**query, "offset": max(offset - size, 0)}) if offset > 0 else "",
        "next": _list_url(store, {**query, "offset": offset + size}) if offset + size < total else "",
    }
    return render(request, "catalog/store_products.html", context)


def _tabs(store, filters: selectors.ProductFilters) -> list[tuple[str, str, int, str]]:
    """(state, label, how many match the other filters, URL) for the state tabs, "" being all."""
    counts = selectors.state_counts(store, filters)
    query = _query(filters)
    return [
        (value, label, count, _list_url(store, {**query, "state": value}))
        for value, label, count in [("", _("全部"), sum(counts.values()))]
        + [(value, label, counts[value]) for value, label in ProductState.choices]
    ]


# ---------------------------------------------------------------------- merchant: create and edit


def _forms(request, action: str, *, form_class, categories, initial: dict, skus_initial: list[dict]):
    """The product form and the SKU rows: bound on save; on "生成规格表" (the no-script path) the
    typed fields again and the rows of the new matrix, prices and stocks carried over."""
    if action in ("save", "save_list"):
        return (
            form_class(request.POST, request.FILES, categories=categories),
            SkuFormSet(request.POST, prefix=SKU_PREFIX),
        )
    if action == "matrix":
        product_form = form_class(request.POST, categories=categories)
        previous = posted_rows(request.POST, SKU_PREFIX)
        if product_form.is_valid() or not _spec_errors(product_form):
            rows = matrix_initial(product_form.spec_names(), product_form.spec_values(), previous)
        else:
            rows = previous
        for name in [n for n in product_form.errors if n != "__all__" and not n.startswith("spec_")]:
            del product_form.errors[name]  # "generate" is not "save": only the specs are judged
        return product_form, SkuFormSet(initial=rows, prefix=SKU_PREFIX)
    if not skus_initial:
        skus_initial = [{}]  # a product without specs: one row
    return form_class(initial=initial, categories=categories), SkuFormSet(
        initial=skus_initial, prefix=SKU_PREFIX
    )


def _spec_errors(product_form) -> bool:
    return any(name == "__all__" or name.startswith("spec_") for name in product_form.errors)


def _save(product_form, formset, write) -> bool:
    """Validate both forms, call `write(fields, skus)`, show a refusal in place; True when saved."""
    if not (product_form.is_valid() and formset.is_valid()):
        return False
    built = sku_input(product_form, formset)
    if built is None:
        return False
    rows, sources = built
    data = product_form.cleaned_data
    try:
        write(
            {"title": data["title"], "description": data["description"], "category_id": data["category_id"]},
            rows,
        )
    except DomainError as exc:
        if (exc.field or "").startswith("images"):
            product_form.add_error("images", exc.message)
        else:
            show_domain_error(exc, product_form, sources)
        return False
    return True


def _form_context(product_form, formset) -> dict:
    return {
        "form": product_form,
        "formset": formset,
        "skus_max": rules.SKUS_MAX,
        "separators": rules.SPEC_VALUE_SEPARATORS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request, store_id: int):
    """A draft with its images and SKU matrix; "保存并上架" also lists it (a refusal leaves the
    draft, and says why on its edit page)."""
    store = _store(request, store_id, Perm.MANAGE_PRODUCTS)
    action = _action(request)
    if action not in ("", "save", "save_list", "matrix"):
        raise Http404
    categories = selectors.leaf_categories()
    main = store.main_category_id if store.main_category_id in dict(categories) else None
    product_form, formset = _forms(
        request,
        action,
        form_class=NewProductForm,
        categories=categories,
        initial={"category_id": main},
        skus_initial=[],
    )
    created = []

    def write(fields, skus):
        images = product_form.cleaned_data["images"]
        created.append(services.create_product(store=store, skus=skus, images=images, **fields))

    if action in ("save", "save_list") and _save(product_form, formset, write):
        product = created[0]
        if action == "save":
            messages.success(request, _("商品已保存为草稿。添加图片后就可以上架了。"))
            return redirect("catalog:product_edit", product_id=product.pk)
        try:
            services.list_product(product=product)
        except DomainError as exc:
            messages.error(request, _("商品已保存为草稿，但还不能上架：%(reason)s") % {"reason": exc.message})
            return redirect("catalog:product_edit", product_id=product.pk)
        messages.success(request, _("“%(title)s”已上架。") % {"title": product.title})
        return redirect("catalog:store_products", store_id=store.pk)
    context = {"store": store, "product": None, **_form_context(product_form, formset)}
    return render(request, "catalog/product_form.html", context)


_EDIT_ACTIONS = ("", "save", "matrix", "image_add", "image_remove", "list", "delist")


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id: int):
    """Text, category and the SKU matrix; images; listing and delisting — each refusal in place."""
    action = _action(request)
    if action not in _EDIT_ACTIONS:
        raise Http404
    product = _product(request, product_id)
    skus = selectors.skus_of(product)
    categories = selectors.leaf_categories()
    initial = {
        "title": product.title,
        "description": product.description,
        "category_id": product.category_id,
        **spec_initial(product.spec_names, skus),
    }
    product_form, formset = _forms(
        request,
        action,
        form_class=ProductForm,
        categories=categories,
        initial=initial,
        skus_initial=sku_initial(skus, product.spec_names),
    )
    image_form = ImageForm(request.POST, request.FILES) if action == "image_add" else ImageForm()
    state_error = None
    done = None

    if action == "save":

        def write(fields, rows):
            services.update_product(product=product, skus=rows, **fields)

        if _save(product_form, formset, write):
            done = _("商品已保存。")
    elif action == "image_add" and image_form.is_valid():
        try:
            services.add_product_image(product=product, upload=image_form.cleaned_data["image"])
        except DomainError as exc:
            image_form.add_domain_error(exc, "image")
        else:
            done = _("图片已添加。")
    elif action == "image_remove":
        try:
            services.remove_product_image(product=product, image_id=_posted_id(request, "image_id"))
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            state_error = exc
        else:
            done = _("图片已删除。")
    elif action in ("list", "delist"):
        move = services.list_product if action == "list" else services.delist_product
        try:
            move(product=product)
        except DomainError as exc:
            state_error = exc
        else:
            done = _("商品已上架。") if action == "list" else _("商品已下架。")
    if done:
        messages.success(request, done)
        return redirect("catalog:product_edit", product_id=product.pk)
    context = {
        "store": product.store,
        "product": product,
        **_form_context(product_form, formset),
        "images": selectors.images_of(product),
        "image_form": image_form,
        "images_max": rules.IMAGES_MAX,
        "state_error": state_error,
        "editable": product.state in rules.EDITABLE_IN,
        "listable": product.state in rules.LISTABLE_FROM,
        "delistable": product.state in rules.DELISTABLE_FROM,
    }
    return render(request, "catalog/product_form.html", context)
