from django.core.files.storage import default_storage
from django.http.multipartparser import MultiPartParserError
from ninja import Query, Router, Schema

from xiaodian.accounts.auth import public_auth
from xiaodian.accounts.rules import Perm
from xiaodian.accounts.selectors import subject_for
from xiaodian.core.errors import DomainError
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate

from . import rules, selectors, services, touchpoints
from .access import store_for
from .schemas import (
    BrandAuthorizationIn,
    BrandAuthorizationOut,
    CategoryOut,
    DepositIn,
    DepositOut,
    HomepageImageOut,
    HomepageIn,
    HomepageOut,
    LinkFilter,
    LinkIn,
    LinkOut,
    ShopHomepageOut,
    StaffIn,
    StaffOut,
    StoreIn,
    StoreOut,
    StorePatch,
    TouchpointReportOut,
)

router = Router(tags=["stores"])
public_router = Router(tags=["stores"])


class CategoryFilter(Schema):
    parent_id: ObjectId | None = None
    roots_only: bool = False


@public_router.get("/categories", response=Page[CategoryOut], auth=public_auth)
def list_categories(request, filters: Query[CategoryFilter], page: Query[PageParams]):
    return paginate(selectors.categories(parent_id=filters.parent_id, roots_only=filters.roots_only), page)


@router.post("/stores", response={201: StoreOut})
def create_store(request, body: StoreIn):
    return 201, services.create_store(user=request.auth, **body.dict())


@router.get("/stores", response=Page[StoreOut])
def list_my_stores(request, page: Query[PageParams]):
    result = paginate(selectors.stores_of(request.auth), page)
    roles = selectors.store_roles(request.auth)
    for store in result["items"]:
        store.viewer_role = roles.get(store.pk)
    return result


@router.get("/stores/{store_id}", response=StoreOut)
def get_store(request, store_id: ObjectId):
    return store_for(request.auth, store_id)


@router.patch("/stores/{store_id}", response=StoreOut)
def update_store(request, store_id: ObjectId, body: StorePatch):
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return services.update_store(store=store, **body.dict(exclude_unset=True))


@router.post("/stores/{store_id}/upgrade", response=StoreOut)
def upgrade_store(request, store_id: ObjectId):
    return services.upgrade_store(store=store_for(request.auth, store_id, Perm.MANAGE_STORE))


@router.post("/stores/{store_id}/close", response=StoreOut)
def close_store(request, store_id: ObjectId):
    return services.close_store(store=store_for(request.auth, store_id, Perm.MANAGE_STORE))


@router.get("/stores/{store_id}/deposits", response=Page[DepositOut])
def list_deposits(request, store_id: ObjectId, page: Query[PageParams]):
    return paginate(selectors.deposits_of(store_for(request.auth, store_id, Perm.FINANCE)), page)


@router.post("/stores/{store_id}/deposits", response={201: DepositOut})
def pay_deposit(request, store_id: ObjectId, body: DepositIn):
    store = store_for(request.auth, store_id, Perm.FINANCE)
    return 201, services.pay_deposit(store=store, category_id=body.category_id)


@router.get("/stores/{store_id}/staff", response=Page[StaffOut])
def list_staff(request, store_id: ObjectId, page: Query[PageParams]):
    return paginate(selectors.staff_of(store_for(request.auth, store_id, Perm.MANAGE_STAFF)), page)


@router.post("/stores/{store_id}/staff", response={201: StaffOut})
def add_staff(request, store_id: ObjectId, body: StaffIn):
    store = store_for(request.auth, store_id, Perm.MANAGE_STAFF)
    return 201, services.add_staff(store=store, user_id=body.user_id, role=body.role)


@router.delete("/stores/{store_id}/staff/{staff_id}", response={204: None})
def remove_staff(request, store_id: ObjectId, staff_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.MANAGE_STAFF)
    services.remove_staff(store=store, staff_id=staff_id)
    return 204, None


@router.get("/subjects/{subject_id}/brand-authorizations", response=Page[BrandAuthorizationOut])
def list_brand_authorizations(request, subject_id: ObjectId, page: Query[PageParams]):
    subject = subject_for(request.auth, subject_id)
    return paginate(selectors.brand_authorizations_of(subject.pk), page)


@router.post("/subjects/{subject_id}/brand-authorizations", response={201: BrandAuthorizationOut})
def request_brand_authorization(request, subject_id: ObjectId, body: BrandAuthorizationIn):
    subject = subject_for(request.auth, subject_id)
    return 201, services.request_brand_authorization(subject=subject, **body.dict())


# ------------------------------------------------------------------------------ linked accounts


@router.post("/stores/{store_id}/links", response={201: LinkOut})
def invite_link(request, store_id: ObjectId, body: LinkIn):
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return 201, services.invite_link(
        store=store, user=request.auth, kind=body.kind, account_id=body.account_id
    )


@router.get("/stores/{store_id}/links", response=Page[LinkOut])
def list_store_links(request, store_id: ObjectId, filters: Query[LinkFilter], page: Query[PageParams]):
    store = store_for(request.auth, store_id)
    return paginate(selectors.links_of(store, kind=filters.kind, state=filters.state), page)


@router.get("/links", response=Page[LinkOut])
def list_my_invitations(request, filters: Query[LinkFilter], page: Query[PageParams]):
    """Links to the accounts you own: invitations to answer and bindings you may end."""
    return paginate(selectors.invitations_for(request.auth, kind=filters.kind, state=filters.state), page)


@router.post("/links/{link_id}/accept", response=LinkOut)
def accept_link(request, link_id: ObjectId):
    return services.accept_link(user=request.auth, link_id=link_id)


@router.post("/links/{link_id}/reject", response=LinkOut)
def reject_link(request, link_id: ObjectId):
    return services.reject_link(user=request.auth, link_id=link_id)


@router.post("/links/{link_id}/unbind", response=LinkOut)
def unbind_link(request, link_id: ObjectId):
    return services.unbind_link(user=request.auth, link_id=link_id)


@router.get("/stores/{store_id}/touchpoints", response=TouchpointReportOut)
def touchpoint_report(request, store_id: ObjectId):
    """Which touchpoints the store is connected to, and what to connect next."""
    return touchpoints.report(store_for(request.auth, store_id))


# ------------------------------------------------------------------------------------ homepage


def _homepage_out(page) -> dict:
    return {
        "store_id": page.store_id,
        "draft": page.draft,
        "published": page.published,
        "version": page.version,
        "published_at": page.published_at,
        "updated_at": page.updated_at,
    }


@router.get("/stores/{store_id}/homepage", response=HomepageOut)
def get_homepage(request, store_id: ObjectId):
    """The draft being edited and the published modules (any role in the store)."""
    return _homepage_out(selectors.homepage_of(store_for(request.auth, store_id)))


@router.put("/stores/{store_id}/homepage", response=HomepageOut)
def save_homepage(request, store_id: ObjectId, body: HomepageIn):
    """Replace the draft's modules; the public page changes only when the draft is published."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    page = services.save_homepage_draft(store=store, modules=[m.model_dump() for m in body.modules])
    return _homepage_out(page)


@router.post("/stores/{store_id}/homepage/publish", response=HomepageOut)
def publish_homepage(request, store_id: ObjectId):
    """The draft becomes the public page (checked once more); the version goes up by one."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    return _homepage_out(services.publish_homepage(store=store))


_BANNER_BODY = {
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
                            "description": "PNG, JPEG, GIF or WebP, "
                            f"≤ {rules.BANNER_MAX_BYTES // 2**20} MB, ≤ {rules.BANNER_MAX_PIXELS} px a side",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/stores/{store_id}/homepage/images", response={201: HomepageImageOut}, openapi_extra=_BANNER_BODY
)
def upload_homepage_image(request, store_id: ObjectId):
    """Multipart `image`: a banner image kept for the store; a banner module names its `path`.
    The file is read after the permission check."""
    store = store_for(request.auth, store_id, Perm.MANAGE_PRODUCTS)
    try:
        upload = request.FILES.get("image")
    except MultiPartParserError as exc:
        raise DomainError("malformed_request") from exc
    path = services.upload_homepage_image(store=store, upload=upload)
    return 201, {"path": path, "url": default_storage.url(path)}


@public_router.get("/shops/{store_id}/homepage", response=ShopHomepageOut, auth=public_auth)
def shop_homepage(request, store_id: ObjectId):
    """The public store page of an open store: its published homepage with every module
    resolved (products with their scene-5 links); before anything is published, its newest
    listed products. Not open → 404."""
    return selectors.shop_page(store_id)
