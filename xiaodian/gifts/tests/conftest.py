import itertools

import pytest

from xiaodian.chats import services as chats
from xiaodian.core import clock
from xiaodian.core.events import run_pending
from xiaodian.gifts import services
from xiaodian.gifts.rules import SentFrom
from xiaodian.orders import services as orders
from xiaodian.orders.tests.conftest import buyer, make_sku  # noqa: F401
from xiaodian.social.selectors import has_contact
from xiaodian.social.tests.conftest import befriend  # noqa: F401
from xiaodian.wechatpay_sandbox.testing import pay_in_sandbox

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The clock stands still unless a test moves it."""
    with clock.travel_to(clock.now()):
        yield


@pytest.fixture
def giver(buyer):
    return buyer


@pytest.fixture
def friend(make_user, giver, befriend):
    """Someone the giver has as a contact (and who has the giver)."""
    user = make_user("friend")
    befriend(giver, user)
    return user


@pytest.fixture
def sku(make_sku, store):
    return make_sku(store, price_fen=9_900, stock=20, title="香薰蜡烛", category="收纳整理")


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """pay(gift): the giver pays the gift's checkout in the WeChat Pay sandbox; every event's
    handlers have run by the time it returns."""

    def do(gift):
        order_id = gift.units.order_by("index").values_list("order_id", flat=True).first()
        with django_capture_on_commit_callbacks(execute=True):
            payment = orders.pay_checkout(buyer=gift.giver, order_id=order_id)
            pay_in_sandbox(payment)
        run_pending()
        gift.refresh_from_db()
        return payment

    return do


@pytest.fixture
def send(giver, friend, sku):
    """send(...): a 1:1 gift of the sku from the giver to the friend (any field can change)."""

    def do(**fields):
        values = {
            "giver": giver,
            "recipient_id": friend.pk,
            "sku_id": sku.pk,
            "idempotency_key": f"g{next(_keys)}",
        }
        return services.send_gift(**(values | fields))

    return do


@pytest.fixture
def members(make_user):
    return [make_user(f"member{i}") for i in range(5)]


@pytest.fixture
def send_group(giver, sku, members):
    """send_group(...): a group gift for named members to draw (a snapshot: sent from a video
    account, not from a chats group)."""

    def do(count=3, who=None, **fields):
        values = {
            "giver": giver,
            "sku_id": sku.pk,
            "count": count,
            "member_ids": [m.pk for m in (who if who is not None else members)],
            "idempotency_key": f"gg{next(_keys)}",
            "message": "新年快乐",
            "sent_from": SentFrom.VIDEO_ACCOUNT,
        }
        return services.send_group_gift(**(values | fields))

    return do


@pytest.fixture
def make_group(befriend):
    """make_group(owner, *members): a chats group the owner made; each member befriended (if not
    yet), invited and in (chats' services)."""

    def make(owner, *people, title="相亲相爱一家人"):
        group = chats.create_group(owner=owner, title=title)
        for person in people:
            if not has_contact(owner.pk, person.pk):
                befriend(owner, person)
            invitation = chats.invite(user=owner, conversation_id=group.pk, invitee_id=person.pk)
            chats.accept_invitation(user=person, invitation_id=invitation.pk)
        return group

    return make


@pytest.fixture
def group(make_group, giver, members):
    """A chats group of the giver and the five members."""
    return make_group(giver, *members)


@pytest.fixture
def send_to_group(giver, sku, group):
    """send_to_group(...): a group gift sent into the group (sent from 1)."""

    def do(count=3, **fields):
        values = {
            "giver": giver,
            "sku_id": sku.pk,
            "count": count,
            "conversation_id": group.pk,
            "idempotency_key": f"gc{next(_keys)}",
            "message": "新年快乐",
        }
        return services.send_group_gift(**(values | fields))

    return do


def drain(django_capture_on_commit_callbacks, action):
    """Run `action` with its commit's handlers, then whatever they queued."""
    with django_capture_on_commit_callbacks(execute=True):
        result = action()
    run_pending()
    return result
