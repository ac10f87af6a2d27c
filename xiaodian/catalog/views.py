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
from django.views.decorators.http import require_GET, require_http_methods

from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.stores.access import can, store_for

from . import rules, selectors, services
from .access import product_for
from .forms import (
    SKU_PREFIX,
    SPEC_SLOTS,
    ImageForm,
    ProductForm,
    SkuFormSet,
    show_domain_error,
    sku_initial,
    sku_input,
    spec_name_initial,
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
    }
    return render(request, "catalog/product_detail.html", context)


def _share_url(request) -> str:
    """The link a person shares: opening it records scene 4 (product share) and who shared it."""
    params = {"scene": rules.SHARE_SCENE, "source_type": "share"}
    if request.user.is_authenticated:
        params["source_id"] = request.user.pk
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


# ------------------------------------------------------------------------------- merchant: the list


def _list_url(store, state: str) -> str:
    url = reverse("catalog:store_products", args=[store.pk])
    return f"{url}?{urlencode({'state': state})}" if state else url


@login_required
@require_http_methods(["GET", "POST"])
def store_products(request, store_id: int):
    """A store's products with a state filter; list / delist each (htmx swaps the one row)."""
    action = _action(request)
    if action not in ("", "list", "delist"):
        raise Http404
    store = _store(request, store_id, Perm.MANAGE_PRODUCTS if action else Perm.VIEW)
    state = request.GET.get("state", "")
    state = state if state in ProductState.values else ""
    errors: dict[int, DomainError] = {}
    if action:
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
                done = _("“%(title)s”已上架。") if action == "list" else _("“%(title)s”已下架。")
                messages.success(request, done % {"title": product.title})
                return redirect(_list_url(store, state))
        if request.htmx:
            item = selectors.products_of_store(store).get(pk=product.pk)
            item.cover_url = selectors.cover_url(item.cover)
            context = {
                "item": item,
                "store": store,
                "state": state,
                "tabs": _tabs(store),
                "error": errors.get(product.pk),
                "may_manage": True,
            }
            return render(request, "catalog/partials/product_row_response.html", context)
    products = selectors.products_of_store(store, state=state or None)
    try:
        offset = min(max(int(request.GET.get("offset", 0)), 0), MAX_OFFSET)
    except ValueError:
        offset = 0
    size = rules.MERCHANT_PAGE_SIZE
    items = list(products[offset : offset + size])
    for item in items:
        item.error = errors.pop(item.pk, None)
        item.cover_url = selectors.cover_url(item.cover)
    for refusal in errors.values():  # the product is not on this page: say it at the top
        messages.error(request, refusal.message)
    tabs = _tabs(store)
    total = next(count for value, _label, count in tabs if value == state)
    context = {
        "store": store,
        "items": items,
        "state": state,
        "tabs": tabs,
        "may_manage": can(store, Perm.MANAGE_PRODUCTS),
        "previous": _page_url(store, state, offset - size) if offset > 0 else "",
        "next": _page_url(store, state, offset + size) if offset + size < total else "",
    }
    return render(request, "catalog/store_products.html", context)


def _tabs(store) -> list[tuple[str, str, int]]:
    """(state, label, how many) for the filter tabs, "" being all states."""
    counts = selectors.state_counts(store)
    return [("", _("全部"), sum(counts.values()))] + [
        (value, label, counts[value]) for value, label in ProductState.choices
    ]


def _page_url(store, state: str, offset: int) -> str:
    query = {k: v for k, v in (("state", state), ("offset", max(offset, 0))) if v}
    url = reverse("catalog:store_products", args=[store.pk])
    return f"{url}?{urlencode(query)}" if query else url


# ---------------------------------------------------------------------- merchant: create and edit


def _forms(request, action: str, *, categories, initial: dict, skus_initial: list[dict]):
    """The product form and the SKU rows: bound on save; on "add a row" (without htmx) the
    posted rows again plus an empty one, with the typed product fields as initial values."""
    if action == "save":
        return (
            ProductForm(request.POST, categories=categories),
            SkuFormSet(request.POST, prefix=SKU_PREFIX),
        )
    if action == "add_row":
        data = request.POST.copy()
        try:
            total = int(data.get(f"{SKU_PREFIX}-TOTAL_FORMS", 0))
        except ValueError:
            total = 0
        data[f"{SKU_PREFIX}-TOTAL_FORMS"] = str(min(total + 1, rules.SKUS_MAX))
        typed = {name: request.POST.get(name, "") for name in ProductForm.base_fields}
        return ProductForm(initial=typed, categories=categories), SkuFormSet(data, prefix=SKU_PREFIX)
    formset = SkuFormSet(initial=skus_initial, prefix=SKU_PREFIX)
    if not skus_initial:
        formset.extra = 1
    return ProductForm(initial=initial, categories=categories), formset


def _label_rows(product_form: ProductForm, formset) -> list[str]:
    """Label each row's value inputs with the spec names typed above them."""
    source = product_form.data if product_form.is_bound else product_form.initial
    labels = [
        (source.get(f"spec_name_{slot}") or "").strip() or _("规格值 %(slot)d") % {"slot": slot}
        for slot in SPEC_SLOTS
    ]
    for form in [*formset.forms, formset.empty_form]:
        for slot, label in zip(SPEC_SLOTS, labels, strict=True):
            form.fields[f"value_{slot}"].label = label
    return labels


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
        show_domain_error(exc, product_form, sources)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request, store_id: int):
    store = _store(request, store_id, Perm.MANAGE_PRODUCTS)
    action = _action(request)
    if action not in ("", "save", "add_row"):
        raise Http404
    categories = selectors.leaf_categories()
    main = store.main_category_id if store.main_category_id in dict(categories) else None
    product_form, formset = _forms(
        request, action, categories=categories, initial={"category_id": main}, skus_initial=[]
    )
    created = []

    def write(fields, skus):
        created.append(services.create_product(store=store, skus=skus, **fields))

    if action == "save" and _save(product_form, formset, write):
        messages.success(request, _("商品已保存为草稿。添加图片后就可以上架了。"))
        return redirect("catalog:product_edit", product_id=created[0].pk)
    context = {
        "store": store,
        "product": None,
        "form": product_form,
        "formset": formset,
        "spec_labels": _label_rows(product_form, formset),
    }
    return render(request, "catalog/product_form.html", context)


_EDIT_ACTIONS = ("", "save", "add_row", "image_add", "image_remove", "list", "delist")


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, product_id: int):
    """Text, category and SKU rows; images; listing and delisting — each refusal in place."""
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
        **spec_name_initial(product.spec_names),
    }
    product_form, formset = _forms(
        request,
        action,
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
        "form": product_form,
        "formset": formset,
        "spec_labels": _label_rows(product_form, formset),
        "images": selectors.images_of(product),
        "image_form": image_form,
        "images_max": rules.IMAGES_MAX,
        "state_error": state_error,
        "editable": product.state in rules.EDITABLE_IN,
        "listable": product.state in rules.LISTABLE_FROM,
        "delistable": product.state in rules.DELISTABLE_FROM,
    }
    return render(request, "catalog/product_form.html", context)


@login_required
@require_GET
def sku_row(request):
    """htmx: one more empty SKU row, and the formset's new row count out of band."""
    try:
        index = min(max(int(request.GET.get(f"{SKU_PREFIX}-TOTAL_FORMS", 0)), 0), rules.SKUS_MAX - 1)
    except ValueError:
        index = 0
    formset = SkuFormSet(prefix=SKU_PREFIX)
    form = formset.form(prefix=f"{SKU_PREFIX}-{index}", empty_permitted=True, use_required_attribute=False)
    formset.add_fields(form, index)
    names = {slot: request.GET.get(f"spec_name_{slot}", "").strip() for slot in SPEC_SLOTS}
    for slot in SPEC_SLOTS:
        form.fields[f"value_{slot}"].label = names[slot] or _("规格值 %(slot)d") % {"slot": slot}
    context = {"row": form, "total": index + 1, "prefix": SKU_PREFIX}
    return render(request, "catalog/partials/sku_row_response.html", context)
