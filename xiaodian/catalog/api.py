"""The catalog's endpoints: parse, call a service or selector, return a schema."""

from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router

from xiaodian.accounts.auth import public_auth
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.stores.access import store_for

from . import rules, selectors, services
from .access import product_for
from .schemas import (
    BulkChangeIn,
    BulkChangeOut,
    ImageOut,
    ProductFilter,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductSummaryOut,
)

router = Router(tags=["catalog"])


def _detail(request, product_id: int) -> ProductOut:
    return ProductOut.of(selectors.product_page(product_id, viewer=request.auth))


@router.post("/stores/{store_id}/products", response={201: ProductOut})
def create_product(request, store_id: ObjectId, body: ProductIn):
    """A draft product with its SKUs; list it with `POST /products/{product_id}/list`."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    product = services.create_product(store=store, **body.dict())
    return 201, _detail(request, product.pk)


@router.get("/stores/{store_id}/products", response=Page[ProductSummaryOut])
def list_store_products(request, store_id: ObjectId, filters: Query[ProductFilter], page: Query[PageParams]):
    """The store's products in every state (any role in the store), newest first; `?state=`,
    `?q=` (title text), `?category_id=` and `?low_stock=true` filter."""
    store = store_for(request.auth, store_id, Perm.VIEW)
    chosen = selectors.ProductFilters(
        q=(filters.q or "").strip(),
        state=filters.state,
        category_id=filters.category_id,
        low_stock=filters.low_stock,
    )
    return paginate(selectors.products_of_store(store, filters=chosen), page)


@router.post("/stores/{store_id}/products/bulk", response=BulkChangeOut)
@refuses("bulk_change_out_of_range", "store_not_open")
def bulk_change_products(request, store_id: ObjectId, body: BulkChangeIn):
    """Set or adjust the price and/or stock of every active SKU of up to 50 of the store's
    products, all or nothing."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    return services.bulk_change_skus(store=store, **body.dict())


@router.get("/products/{product_id}", response=ProductOut, auth=public_auth)
def get_product(request, product_id: ObjectId):
    """Public for a listed product of an open store; staff of the store also see its other states."""
    return _detail(request, product_id)


@router.patch("/products/{product_id}", response=ProductOut)
def update_product(request, product_id: ObjectId, body: ProductPatch):
    product = product_for(request.auth, product_id, Perm.MANAGE_PRODUCTS)
    services.update_product(product=product, **body.dict(exclude_unset=True))
    return _detail(request, product.pk)


@router.post("/products/{product_id}/list", response=ProductOut)
@refuses("listing_needs_image", "listing_needs_stock")
def list_product(request, product_id: ObjectId):
    services.list_product(product=product_for(request.auth, product_id, Perm.MANAGE_PRODUCTS))
    return _detail(request, product_id)


@router.post("/products/{product_id}/delist", response=ProductOut)
def delist_product(request, product_id: ObjectId):
    services.delist_product(product=product_for(request.auth, product_id, Perm.MANAGE_PRODUCTS))
    return _detail(request, product_id)


_IMAGE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {
                            "type": "string",
                            "format": "binary",
                            "description": f"PNG, JPEG, GIF or WebP, ≤ {rules.IMAGE_MAX_BYTES // 2**20} MB, "
                            f"≤ {rules.IMAGE_MAX_PIXELS} px a side",
                        }
                    },
                }
            }
        },
    }
}


@router.post("/products/{product_id}/images", response={201: ImageOut}, openapi_extra=_IMAGE_BODY)
def add_product_image(request, product_id: ObjectId):
    """Multipart `image`. The file is read here, after the permission check, so a stranger learns
    nothing about the product from how the upload is refused."""
    product = product_for(request.auth, product_id, Perm.MANAGE_PRODUCTS)
    try:
        upload = request.FILES.get("image")
    except MultiPartParserError as exc:
        raise DomainError("malformed_request") from exc
    return 201, ImageOut.of(services.add_product_image(product=product, upload=upload))


@router.delete("/products/{product_id}/images/{image_id}", response={204: None})
@refuses("listing_needs_image")
def remove_product_image(request, product_id: ObjectId, image_id: ObjectId):
    product = product_for(request.auth, product_id, Perm.MANAGE_PRODUCTS)
    services.remove_product_image(product=product, image_id=image_id)
    return 204, None
