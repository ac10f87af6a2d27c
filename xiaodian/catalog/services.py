"""Writes for products, SKUs, images and stock.

Each function is keyword-only, one transaction, and raises DomainError. Callers obtain `store`
through `stores.access.store_for` and `product` through `catalog.access.product_for`, which
have already checked the caller's role (`manage_products`).
"""

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import read_image
from xiaodian.core.permissions import require_operator
from xiaodian.core.text import contains_contact_details, normalize
from xiaodian.stores import services as store_services
from xiaodian.stores.models import Category, Store
from xiaodian.stores.rules import StoreState

from . import events, rules, signals
from .models import SKU, Product, ProductImage
from .rules import ProductState

# ------------------------------------------------------------------------------------------ stock


def take_stock(wanted: Iterable[tuple[int, int]]) -> None:
    """Take `quantity` of each SKU, all or nothing, inside the caller's transaction.

    One conditional UPDATE per SKU in primary-key order (no deadlocks between checkouts);
    a zero row count means not enough stock, and the caller's transaction rolls back.
    """
    for sku_id, quantity in sorted(wanted):
        if quantity <= 0:
            raise DomainError("validation_error", field="quantity")
        if not SKU.objects.filter(pk=sku_id, stock__gte=quantity).update(stock=F("stock") - quantity):
            raise DomainError("out_of_stock", field="items")


def release_stock(returned: Iterable[tuple[int, int]]) -> None:
    """Put units back (cancelled or closed orders, returns), in primary-key order."""
    for sku_id, quantity in sorted(returned):
        if quantity > 0:
            SKU.objects.filter(pk=sku_id).update(stock=F("stock") + quantity)


# ------------------------------------------------------------------------------------ checking input


@dataclass(frozen=True)
class SkuRow:
    """One checked SKU line of a create or update: `id` is set for an existing SKU."""

    specs: dict[str, str]
    price_fen: int
    stock: int | None
    id: int | None = None
    expected_stock: int | None = None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_text(value, *, field: str, max_length: int, required: bool) -> str:
    if not isinstance(value, str):
        raise DomainError("validation_error", field=field)
    value = value.strip()
    if (required and not value) or len(value) > max_length:
        raise DomainError(
            "validation_error",
            _("请填写 1–%(max)d 个字符。") % {"max": max_length}
            if required
            else _("最多 %(max)d 个字符。") % {"max": max_length},
            field=field,
        )
    if contains_contact_details(value):
        raise DomainError("contact_details_not_allowed", field=field)
    return value


def _checked_title(title) -> str:
    return _checked_text(title, field="title", max_length=rules.TITLE_MAX, required=True)


def _checked_description(description) -> str:
    return _checked_text(description, field="description", max_length=rules.DESCRIPTION_MAX, required=False)


def _leaf_category(category_id: int) -> Category:
    """An active category without active sub-categories: only leaves hold products."""
    category = Category.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise DomainError("not_found", field="category_id")
    if Category.objects.filter(parent=category, is_active=True).exists():
        raise DomainError("category_not_leaf", field="category_id")
    return category


def _checked_specs(specs, *, field: str) -> dict[str, str]:
    if not isinstance(specs, Mapping) or len(specs) > rules.SPECS_MAX:
        raise DomainError("sku_specs_invalid", field=field)
    checked: dict[str, str] = {}
    for name, value in specs.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise DomainError("sku_specs_invalid", field=field)
        name, value = name.strip(), value.strip()
        if not 1 <= len(name) <= rules.SPEC_NAME_MAX or not 1 <= len(value) <= rules.SPEC_VALUE_MAX:
            raise DomainError(
                "sku_specs_invalid",
                _("规格名最多 %(name)d 个字符，规格值最多 %(value)d 个字符，且都不能为空。")
                % {"name": rules.SPEC_NAME_MAX, "value": rules.SPEC_VALUE_MAX},
                field=field,
            )
        if contains_contact_details(name) or contains_contact_details(value):
            raise DomainError("contact_details_not_allowed", field=field)
        if normalize(name) in {normalize(n) for n in checked}:
            raise DomainError("sku_specs_invalid", _("同一个规格名出现了两次。"), field=field)
        checked[name] = value
    return checked


def _checked_number(value, *, field: str, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise DomainError(
            "validation_error",
            _("请填写 %(low)d–%(high)d 之间的整数。") % {"low": low, "high": high},
            field=field,
        )
    return value


def _checked_skus(skus: Sequence[Mapping], *, updating: bool = False) -> tuple[list[SkuRow], list[str]]:
    """Check a product's whole SKU list: 1..SKUS_MAX rows, the same spec names in each (kept in
    the first row's spelling and order), no two rows with the same values, prices and stock in
    range. Answers the rows and the spec names."""
    if not isinstance(skus, Sequence) or isinstance(skus, str) or not 1 <= len(skus) <= rules.SKUS_MAX:
        raise DomainError(
            "validation_error",
            _("一个商品需要 1–%(max)d 个规格。") % {"max": rules.SKUS_MAX},
            field="skus",
        )
    rows: list[SkuRow] = []
    names: dict[str, str] | None = None  # normalised name -> the spelling of the first row
    seen_values: set[tuple[str, ...]] = set()
    seen_ids: set[int] = set()
    for i, sku in enumerate(skus):
        if not isinstance(sku, Mapping):
            raise DomainError("validation_error", field=f"skus.{i}")
        specs = _checked_specs(sku.get("specs") or {}, field=f"skus.{i}.specs")
        by_key = {normalize(name): value for name, value in specs.items()}
        if names is None:
            names = {normalize(name): name for name in specs}
        elif set(by_key) != set(names):
            raise DomainError(
                "sku_specs_invalid",
                _("每个规格都要有同样的规格名：%(names)s。") % {"names": "、".join(names.values()) or "—"},
                field=f"skus.{i}.specs",
            )
        values = tuple(normalize(by_key[key]) for key in names)
        if values in seen_values:
            raise DomainError("sku_specs_duplicate", field=f"skus.{i}.specs")
        seen_values.add(values)
        sku_id = sku.get("id") if updating else None
        if sku_id is not None:
            if not _is_int(sku_id) or sku_id in seen_ids:
                raise DomainError("validation_error", field=f"skus.{i}.id")
            seen_ids.add(sku_id)
        stock = sku.get("stock")
        expected = sku.get("expected_stock") if sku_id is not None else None
        if sku_id is None and stock is None:
            stock = 0
        if stock is not None:
            _checked_number(stock, field=f"skus.{i}.stock", low=0, high=rules.STOCK_MAX)
            if sku_id is not None and expected is None:
                raise DomainError(
                    "validation_error",
                    _("设置现有规格的库存时，请同时给出你看到的库存（expected_stock）。"),
                    field=f"skus.{i}.expected_stock",
                )
        if expected is not None:
            _checked_number(expected, field=f"skus.{i}.expected_stock", low=0, high=2**31 - 1)
        rows.append(
            SkuRow(
                id=sku_id,
                specs={names[key]: by_key[key] for key in names},
                price_fen=_checked_number(
                    sku.get("price_fen"), field=f"skus.{i}.price_fen", low=1, high=rules.PRICE_MAX_FEN
                ),
                stock=stock,
                expected_stock=expected,
            )
        )
    return rows, list((names or {}).values())


def _ensure_store_can_edit(store: Store) -> None:
    if store.state in (StoreState.CLOSING, StoreState.CLOSED):
        raise DomainError("store_not_open")


def _ensure_editable(product: Product) -> None:
    if product.state not in rules.EDITABLE_IN:
        raise DomainError("invalid_transition", _("已封禁的商品不能修改。"))
    _ensure_store_can_edit(product.store)


# --------------------------------------------------------------------------------------- products


def create_product(
    *,
    store: Store,
    category_id: int,
    title: str,
    description: str = "",
    skus: Sequence[Mapping],
    images: Sequence[UploadedFile] = (),
) -> Product:
    """A draft product with its SKUs (`[{specs, price_fen, stock}]`) and up to IMAGES_MAX images,
    all or nothing; listing is a separate step."""
    _ensure_store_can_edit(store)
    title = _checked_title(title)
    description = _checked_description(description)
    category = _leaf_category(category_id)
    rows, spec_names = _checked_skus(skus)
    checked = check_images(images, limit=rules.IMAGES_MAX)
    stored: list[str] = []
    try:
        with transaction.atomic():
            product = Product.objects.create(
                store=store, category=category, title=title, description=description, spec_names=spec_names
            )
            SKU.objects.bulk_create(  # a new SKU's stock is 0 when not given
                SKU(product=product, specs=row.specs, price_fen=row.price_fen, stock=row.stock or 0)
                for row in rows
            )
            for position, image in enumerate(checked):
                _save_image(product, image, position, stored)
    except Exception:
        _delete_files(stored)  # nothing of the product was kept: neither are its files
        raise
    return product


def update_product(
    *,
    product: Product,
    title: str | None = None,
    description: str | None = None,
    category_id: int | None = None,
    skus: Sequence[Mapping] | None = None,
) -> Product:
    """Change a product's text, category and SKUs; everything is checked before anything changes.

    `skus`, when given, is the whole list: rows with an `id` update that SKU, rows without one add
    a SKU, and SKUs left out are retired (`is_active=False`; orders keep pointing at them). A SKU's
    stock is *set*: `{"stock": 80, "expected_stock": 75}` writes 80 only if the stock is still 75
    (one conditional UPDATE), so units sold meanwhile are never overwritten (`stock_changed`).
    """
    _ensure_editable(product)
    changes: dict = {}
    if title is not None:
        changes["title"] = _checked_title(title)
    if description is not None:
        changes["description"] = _checked_description(description)
    if category_id is not None and category_id != product.category_id:
        changes["category"] = _leaf_category(category_id)
        if product.state == ProductState.LISTED:  # a listed product may only move where it could be listed
            store_services.ensure_can_list(store=product.store, category_id=category_id)
    rows = None
    if skus is not None:
        rows, changes["spec_names"] = _checked_skus(skus, updating=True)
    with transaction.atomic():
        # Lock the product: two edits of one product's SKU list are serialised.
        locked = Product.objects.select_for_update().filter(pk=product.pk).values_list("state", flat=True)
        if locked.first() not in rules.EDITABLE_IN:
            raise DomainError("invalid_transition", _("已封禁的商品不能修改。"))
        if rows is not None:
            _replace_skus(product, rows)
        for field, value in changes.items():
            setattr(product, field, value)
        product.save(update_fields=[*changes, "updated_at"])
        _changed(product)
    return product


def _replace_skus(product: Product, rows: list[SkuRow]) -> None:
    active = set(SKU.objects.filter(product=product, is_active=True).values_list("pk", flat=True))
    by_id: dict[int, tuple[int, SkuRow]] = {}
    for i, row in enumerate(rows):
        if row.id is not None:
            if row.id not in active:
                raise DomainError("not_found", field=f"skus.{i}.id")
            by_id[row.id] = (i, row)
    # One single-row UPDATE per existing SKU, in primary-key order like every other writer of SKU
    # rows (checkouts take stock the same way), so an edit and a checkout cannot deadlock.
    for sku_id in sorted(active):
        if sku_id not in by_id:
            SKU.objects.filter(pk=sku_id).update(is_active=False)  # retired: orders may point at it
            continue
        i, row = by_id[sku_id]
        if row.stock is None or row.stock == row.expected_stock:
            SKU.objects.filter(pk=sku_id).update(specs=row.specs, price_fen=row.price_fen)
            continue
        assert row.expected_stock is not None  # `_checked_skus` asks for it with an existing SKU's stock
        if not SKU.objects.filter(pk=sku_id, stock=row.expected_stock).update(
            specs=row.specs, price_fen=row.price_fen, stock=row.stock
        ):
            now = SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first()
            raise DomainError(
                "stock_changed",
                _("库存已变化：你看到的是 %(seen)d，现在是 %(now)d。请确认后再设置。")
                % {"seen": row.expected_stock, "now": now},
                field=f"skus.{i}.stock",
            )
    SKU.objects.bulk_create(  # a new SKU's stock is 0 when not given
        SKU(product=product, specs=row.specs, price_fen=row.price_fen, stock=row.stock or 0)
        for row in rows
        if row.id is None
    )


# ------------------------------------------------------------------------------------ bulk changes


@dataclass(frozen=True)
class BulkChange:
    """What a bulk edit did: how many products and active SKUs it changed."""

    products: int
    skus: int


def bulk_change_skus(
    *,
    store: Store,
    product_ids: Sequence[int],
    price_fen: int | None = None,
    price_change_fen: int | None = None,
    stock: int | None = None,
    stock_change: int | None = None,
) -> BulkChange:
    """Set or adjust the price and/or the stock of every active SKU of the chosen products of one
    store, in one transaction: all of it or none of it.

    `price_fen` / `stock` set a value; `price_change_fen` / `stock_change` add to it (negative
    lowers it). At most one of each pair, at least one in all. An adjustment is one conditional
    UPDATE per SKU's bounds: if any SKU would leave its range (price 1..PRICE_MAX_FEN, stock
    0..STOCK_MAX) nothing changes and the refusal names the product (`bulk_change_out_of_range`).
    Setting the stock overwrites units sold meanwhile: that is what a stocktake means. The SKU rows
    are locked in primary-key order first, as checkouts take them, so the two cannot deadlock.
    """
    _ensure_store_can_edit(store)
    ids = _checked_bulk_ids(product_ids)
    changes = _checked_bulk_changes(price_fen, price_change_fen, stock, stock_change)
    with transaction.atomic():
        products = {
            pk: (title, state)
            for pk, title, state in Product.objects.select_for_update()
            .filter(store=store, pk__in=ids)
            .order_by("pk")
            .values_list("pk", "title", "state")
        }
        for i, pk in enumerate(ids):
            if pk not in products:
                raise DomainError("not_found", field=f"product_ids.{i}")
            if products[pk][1] not in rules.EDITABLE_IN:
                raise DomainError(
                    "invalid_transition",
                    _("“%(title)s”已被封禁，不能修改。") % {"title": products[pk][0]},
                    field=f"product_ids.{i}",
                )
        skus = SKU.objects.filter(product_id__in=ids, is_active=True)
        locked = list(skus.select_for_update().order_by("pk").values_list("pk", flat=True))
        for field, (mode, value) in changes.items():
            low, high = (1, rules.PRICE_MAX_FEN) if field == "price_fen" else (0, rules.STOCK_MAX)
            if mode == "set":
                skus.update(**{field: value})
                continue
            # In range after the change: low <= old + value <= high, checked by the UPDATE itself.
            fits = skus.filter(**{f"{field}__gte": low - value, f"{field}__lte": high - value})
            if fits.update(**{field: F(field) + value}) != len(locked):
                outside = skus.exclude(pk__in=fits.values("pk")).order_by("pk").first()
                title = products[outside.product_id][0] if outside else ""
                raise DomainError(
                    "bulk_change_out_of_range",
                    _(
                        "“%(title)s”调整后会超出范围（价格 0.01–%(price)s 元，库存 0–%(stock)d），没有修改任何商品。"
                    )
                    % {"title": title, "price": f"{rules.PRICE_MAX_FEN // 100:,}", "stock": rules.STOCK_MAX},
                    field="price_change_fen" if field == "price_fen" else "stock_change",
                )
        Product.objects.filter(pk__in=ids).update(updated_at=clock.now())
        events.product_changed.emit(product_ids=ids)
    return BulkChange(products=len(ids), skus=len(locked))


def _checked_bulk_ids(product_ids) -> list[int]:
    if (
        not isinstance(product_ids, Sequence)
        or isinstance(product_ids, str)
        or not 1 <= len(product_ids) <= rules.BULK_PRODUCTS_MAX
        or not all(_is_int(pk) for pk in product_ids)
    ):
        raise DomainError(
            "validation_error",
            _("请选择 1–%(max)d 个商品。") % {"max": rules.BULK_PRODUCTS_MAX},
            field="product_ids",
        )
    return sorted(set(product_ids), key=list(product_ids).index)


def _checked_bulk_changes(price_fen, price_change_fen, stock, stock_change) -> dict[str, tuple[str, int]]:
    """{"price_fen" | "stock": ("set" | "change", value)}, each value in range."""
    changes: dict[str, tuple[str, int]] = {}
    for field, to, by, high in (
        ("price_fen", price_fen, price_change_fen, rules.PRICE_MAX_FEN),
        ("stock", stock, stock_change, rules.STOCK_MAX),
    ):
        change_field = "price_change_fen" if field == "price_fen" else "stock_change"
        if to is not None and by is not None:
            raise DomainError("validation_error", _("设置和调整只能选一个。"), field=change_field)
        if to is not None:
            changes[field] = (
                "set",
                _checked_number(to, field=field, low=1 if field == "price_fen" else 0, high=high),
            )
        elif by is not None:
            _checked_number(by, field=change_field, low=-high, high=high)
            if by == 0:
                raise DomainError("validation_error", _("调整的数值不能为 0。"), field=change_field)
            changes[field] = ("change", by)
    if not changes:
        raise DomainError("validation_error", _("请填写要设置或调整的价格或库存。"), field="price_fen")
    return changes


# ------------------------------------------------------------------------------------------ states


def _changed(product: Product) -> None:
    """What shows the product (search) reads it again after the commit: a durable event of the
    caller's transaction, so a crash cannot lose it."""
    events.product_changed.emit(product_ids=[product.pk])


def _move(product: Product, *, allowed: frozenset, to: str, **fields) -> Product:
    """One conditional UPDATE from an allowed state; zero rows means someone moved it first."""
    if product.state not in allowed:
        raise DomainError("invalid_transition")
    now = clock.now()
    if not Product.objects.filter(pk=product.pk, state__in=allowed).update(
        state=to, updated_at=now, **fields
    ):
        raise DomainError("invalid_transition")
    product.state, product.updated_at = to, now
    for field, value in fields.items():
        setattr(product, field, value)
    return product


def list_product(*, product: Product) -> Product:
    """draft | delisted → listed, once the store may list in the category, a SKU has stock and
    the product has an image."""
    if product.state not in rules.LISTABLE_FROM:
        raise DomainError("invalid_transition")
    store_services.ensure_can_list(store=product.store, category_id=product.category_id)
    with transaction.atomic():
        # Lock the product: removing its last image waits for this listing, and sees it.
        Product.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True).first()
        if not SKU.objects.filter(product=product, is_active=True, stock__gt=0).exists():
            raise DomainError("listing_needs_stock", field="skus")
        if not ProductImage.objects.filter(product=product).exists():
            raise DomainError("listing_needs_image", field="images")
        _move(product, allowed=rules.LISTABLE_FROM, to=ProductState.LISTED, listed_at=clock.now())
        _changed(product)
        transaction.on_commit(lambda: signals.product_listed.send(sender=Product, product=product))
    return product


def delist_product(*, product: Product) -> Product:
    """listed → delisted; the product stays visible to its store, and can be listed again."""
    with transaction.atomic():
        _move(product, allowed=rules.DELISTABLE_FROM, to=ProductState.DELISTED)
        _changed(product)
        transaction.on_commit(lambda: signals.product_delisted.send(sender=Product, product=product))
    return product


def ban_product(*, operator: User, product: Product, reason: str = "") -> Product:
    """Operators take a product off sale for good: any state but banned → banned."""
    require_operator(operator)
    with transaction.atomic():
        _move(
            product,
            allowed=rules.BANNABLE_FROM,
            to=ProductState.BANNED,
            banned_at=clock.now(),
            ban_reason=reason.strip()[: rules.BAN_REASON_MAX],
        )
        _changed(product)
        transaction.on_commit(lambda: signals.product_banned.send(sender=Product, product=product))
    return product


def unban_product(*, operator: User, product: Product) -> Product:
    """Operators lift a ban: banned → delisted (the merchant lists it again when it is fit)."""
    require_operator(operator)
    with transaction.atomic():
        _move(product, allowed=rules.UNBANNABLE_FROM, to=ProductState.DELISTED, banned_at=None, ban_reason="")
        _changed(product)
    return product


# ------------------------------------------------------------------------------------------ images


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    extension: str
    width: int
    height: int


def check_image(upload: UploadedFile) -> CheckedImage:
    """A real PNG, JPEG, GIF or WebP image within the byte and pixel limits, or a refusal."""
    data, image_format, width, height = read_image(upload, max_bytes=rules.IMAGE_MAX_BYTES)
    if image_format not in rules.IMAGE_FORMATS or min(width, height) < 1:
        raise DomainError("image_invalid", field="image")
    if max(width, height) > rules.IMAGE_MAX_PIXELS:
        raise DomainError(
            "image_invalid",
            _("图片的边长不能超过 %(px)d 像素。") % {"px": rules.IMAGE_MAX_PIXELS},
            field="image",
        )
    return CheckedImage(data=data, extension=rules.IMAGE_FORMATS[image_format], width=width, height=height)


def check_images(
    uploads: Sequence[UploadedFile] | None, *, limit: int, field: str = "images"
) -> list[CheckedImage]:
    """Up to `limit` real images, each checked as product images are (`check_image`); a refusal
    names the image (`images.2`). Review photos and complaint evidence alike."""
    uploads = list(uploads or ())
    if len(uploads) > limit:
        raise DomainError("validation_error", _("最多上传 %(max)d 张图片。") % {"max": limit}, field=field)
    checked = []
    for n, upload in enumerate(uploads):
        try:
            checked.append(check_image(upload))
        except DomainError as exc:
            raise DomainError(
                exc.code,
                _("第 %(n)d 张图片：%(reason)s") % {"n": n + 1, "reason": exc.message},
                field=f"{field}.{n}",
            ) from exc
    return checked


def add_product_image(*, product: Product, upload: UploadedFile) -> ProductImage:
    """Append an image (validated with Pillow, its size recorded), up to IMAGES_MAX per product."""
    _ensure_editable(product)
    checked = check_image(upload)
    with transaction.atomic():
        # Lock the product so two uploads cannot both take the last free place.
        Product.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True).first()
        taken = ProductImage.objects.filter(product=product).aggregate(n=Count("pk"), last=Max("position"))
        if taken["n"] >= rules.IMAGES_MAX:
            raise DomainError(
                "images_limit_reached",
                _("每个商品最多 %(max)d 张图片。") % {"max": rules.IMAGES_MAX},
                field="image",
            )
        stored: list[str] = []
        try:
            image = _save_image(product, checked, (taken["last"] or 0) + 1 if taken["n"] else 0, stored)
        except Exception:
            _delete_files(stored)
            raise
        Product.objects.filter(pk=product.pk).update(updated_at=clock.now())
    return image


def _save_image(product: Product, checked: CheckedImage, position: int, stored: list[str]) -> ProductImage:
    """Write the file under a generated name (the uploader's says nothing we want to keep), then
    its row; the file's name goes into `stored` so that a caller whose transaction fails can
    delete it."""
    image = ProductImage(product=product, width=checked.width, height=checked.height, position=position)
    image.image.save(f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.data), save=False)
    stored.append(image.image.name or "")
    image.save()
    return image


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            ProductImage._meta.get_field("image").storage.delete(name)


def remove_product_image(*, product: Product, image_id: int) -> None:
    """Remove an image; a listed product keeps at least one (`listing_needs_image`)."""
    _ensure_editable(product)
    with transaction.atomic():
        # Lock the product: a listing and the removal of its last image cannot both go through.
        state = (
            Product.objects.select_for_update().filter(pk=product.pk).values_list("state", flat=True).first()
        )
        image = ProductImage.objects.filter(product=product, pk=image_id).first()
        if image is None:
            raise DomainError("not_found", field="image_id")
        if (
            state == ProductState.LISTED
            and not ProductImage.objects.filter(product=product).exclude(pk=image.pk).exists()
        ):
            raise DomainError(
                "listing_needs_image",
                _("上架中的商品至少要保留一张图片；请先下架或再上传一张。"),
                field="image_id",
            )
        storage, name = image.image.storage, image.image.name
        image.delete()
        Product.objects.filter(pk=product.pk).update(updated_at=clock.now())
        if name:  # the file goes once the row is gone for good
            transaction.on_commit(lambda: storage.delete(name))
