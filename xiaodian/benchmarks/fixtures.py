"""Data the benchmarks buy: a bench store with one listed product, and buyers with tokens."""

import io
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from xiaodian.accounts import licences
from xiaodian.accounts.models import User
from xiaodian.accounts.rules import SubjectKind, Verification
from xiaodian.accounts.services import create_subject, issue_token
from xiaodian.catalog import services as catalog
from xiaodian.catalog.models import SKU
from xiaodian.core import clock
from xiaodian.stores import services as stores
from xiaodian.stores.models import Category, Store

from . import guard


@dataclass
class BenchWorld:
    run_id: str
    store_id: int
    tokens: list[str]
    merchant_token: str  # the store owner's: the merchant's side of the API (approving after-sales)


def _unique() -> str:
    return secrets.token_hex(4)


@transaction.atomic
def prepare(*, buyers: int) -> BenchWorld:
    """A bench store and `buyers` buyers. Only in a benchmark database (guard.py)."""
    guard.require_benchmark_database("seed a bench store and its buyers")
    run_id = _unique()
    stores.install_default_categories()
    merchant = User.objects.create(username=f"bench_merchant_{run_id}", password=make_password(None))
    subject = create_subject(
        owner=merchant,
        kind=SubjectKind.ENTERPRISE,
        name=f"压测商贸{run_id}",
        licence_number=licences.make_uscc(int(run_id, 16) % 10**9),
    )
    subject.verification, subject.verified_at = Verification.VERIFIED, clock.now()
    subject.save(update_fields=["verification", "verified_at"])
    books = Category.objects.get(name="图书")  # a zero-deposit category: the store may list at once
    store = stores.create_store(
        user=merchant, subject_id=subject.pk, name=f"压测店铺{run_id}", main_category_id=books.pk
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench_buyer_{run_id}_{i}", password=password) for i in range(buyers)
    )
    tokens = [issue_token(user=user, name="bench")[1] for user in users]
    merchant_token = issue_token(user=merchant, name="bench")[1]
    return BenchWorld(run_id=run_id, store_id=store.pk, tokens=tokens, merchant_token=merchant_token)


def new_sku(world: BenchWorld, *, stock: int, price_fen: int = 990) -> SKU:
    """A listed product with one SKU, made as a merchant makes one: created with a photo, then
    listed through the catalog's services (a product is listed only with a photo)."""
    product = catalog.create_product(
        store=Store.objects.get(pk=world.store_id),
        category_id=Category.objects.get(name="图书").pk,
        title=f"压测商品 {_unique()}",
        skus=[{"specs": {"版本": "平装"}, "price_fen": price_fen, "stock": stock}],
        images=[SimpleUploadedFile("bench.png", _photo(), content_type="image/png")],
    )
    if stock > 0:  # listing needs stock; a sold-out bench product stays a draft, as it would
        catalog.list_product(product=product)
    return SKU.objects.get(product=product)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


ADDRESS = {
    "recipient": "压测用户",
    "phone": "13800138000",
    "region": "上海市浦东新区",
    "detail": "压测路 1 号",
}
