"""Fixtures for the reviews tests: received orders, store staff by role, image uploads."""

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from xiaodian.accounts.rules import Role
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import buyer, make_sku, other_store, place, succeed  # noqa: F401
from xiaodian.stores.models import StoreStaff

_tracking = itertools.count(1_000_000)


def png(
    name: str = "photo.png", size: tuple[int, int] = (4, 3), image_format: str = "PNG"
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def not_an_image(name: str = "notes.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a picture", content_type="image/png")


def ship(store, order):
    return orders.ship_order(
        store=store, order_id=order.pk, carrier="SF", tracking_no=f"SF{next(_tracking):013d}"
    )


@pytest.fixture
def received(buyer, store, make_sku, place):
    """A received (status 100) order: received() (one line at `store`) or received(sku, sku2, who=);
    the SKUs of one order are of one store."""

    def make(*skus, who=None):
        skus = skus or (make_sku(store),)
        checkout = place(*[(sku, 1) for sku in skus], who=who or buyer)
        succeed(checkout)
        order = checkout.orders.get()
        ship(order.store, order)
        return orders.confirm_receipt(buyer=who or buyer, order_id=order.pk)

    return make


@pytest.fixture
def line(received):
    """The one line of a received order."""
    return received().lines.get()


@pytest.fixture
def staff_with(store, make_user):
    """A member of `store` with the given role."""

    def make(role: str):
        user = make_user()
        StoreStaff.objects.create(store=store, user=user, role=role)
        return user

    return make


@pytest.fixture
def agent(staff_with):
    """Customer service: may reply."""
    return staff_with(Role.AGENT)


@pytest.fixture
def store_operator(staff_with):
    """Products and orders, but not customer service: may not reply."""
    return staff_with(Role.OPERATOR)


@pytest.fixture
def stranger(make_user, make_subject, make_store):
    """Another merchant with a store of their own."""
    user = make_user("stranger")
    make_store(user, make_subject(user), name="隔壁小店")
    return user


@pytest.fixture
def signed_in(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
