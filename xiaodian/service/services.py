"""Every write of customer service (docs/service.md): conversations opened by a buyer (or, for a
buyer who consulted or ordered, by the store), messages with their receipts, assignment to the
least-loaded online agent, transfer, close, rating, agents' presence, settings and the mode switch,
quick and keyword replies. Frames to the websockets and events to a self-built endpoint go out on
commit (`delivery`)."""

import contextlib
import ipaddress
import math
import secrets
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Subquery
from django.utils.translation import gettext as _

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import ROLE_PERMS, Perm, Role
from xiaodian.catalog.models import Product
from xiaodian.catalog.rules import ProductState
from xiaodian.core import clock
from xiaodian.core.errors import DomainError
from xiaodian.core.images import read_image
from xiaodian.core.text import message_text
from xiaodian.orders.models import Order
from xiaodian.scoring import services as scoring
from xiaodian.stores.access import has_perm
from xiaodian.stores.models import Store, StoreStaff
from xiaodian.stores.rules import StoreState

from . import delivery, extensions, rules
from .days import in_hours, local_time
from .models import AgentPresence, AutoReply, Conversation, Message, QuickReply, ServiceSettings
from .rules import Kind, Mode, Presence, Sender, Status

AGENT_ROLES = [role for role, perms in ROLE_PERMS.items() if Perm.CUSTOMER_SERVICE in perms]

# -- settings --------------------------------------------------------------------------------


def settings_for(store_id: int) -> ServiceSettings:
    found = ServiceSettings.objects.filter(store_id=store_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return ServiceSettings.objects.create(store_id=store_id)
    except IntegrityError:  # made by a concurrent first call
        return ServiceSettings.objects.get(store_id=store_id)


def _is_owner(user: User, store: Store) -> bool:
    return StoreStaff.objects.filter(store=store, user_id=user.pk, role=Role.OWNER).exists()


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if (
        loopback
        and django_settings.XIAODIAN_WEBHOOK_ALLOW_LOOPBACK_HTTP
        and parts.scheme in ("http", "https")
    ):
        return  # local development and the tests
    literal = None
    with contextlib.suppress(ValueError):
        literal = ipaddress.ip_address(parts.hostname or "")
    if loopback or (literal is not None and not literal.is_global):  # and again, resolved, when sent
        raise DomainError("validation_error", _("消息推送地址不能是内网地址"), field="webhook_url")
    if parts.scheme != "https" or not parts.hostname:
        raise DomainError("validation_error", _("消息推送地址须为 HTTPS"), field="webhook_url")


def update_settings(*, user: User, store: Store, **fields) -> tuple[ServiceSettings, str | None]:
    """Change the store's customer-service settings (`manage_store`). Switching the mode is the
    owner's alone; it closes the open sessions of the old mode (histories do not carry over) and,
    into self-built mode, issues a new signing secret — answered once, as the second value."""
    if not has_perm(user, store.pk, Perm.MANAGE_STORE):
        raise DomainError("permission_denied")
    with transaction.atomic():
        current = ServiceSettings.objects.select_for_update().filter(store=store).first() or settings_for(
            store.pk
        )
        new_secret = None
        mode = fields.pop("mode", None)
        old_url = current.webhook_url
        for name, value in fields.items():
            if name in ("opens_at", "closes_at") and value is not None and value.tzinfo is not None:
                raise DomainError("validation_error", _("服务时间为北京时间，不带时区"), field=name)
            if value is not None:
                setattr(current, name, value)
        if current.max_sessions is not None and not 1 <= current.max_sessions <= rules.MAX_SESSIONS_LIMIT:
            raise DomainError("validation_error", field="max_sessions")
        if current.opens_at >= current.closes_at:
            raise DomainError("validation_error", _("服务开始时间须早于结束时间"), field="opens_at")
        if current.webhook_url:
            _check_webhook_url(current.webhook_url)
        # where the buyers' messages go in self-built mode is the owner's decision
        repointed = current.webhook_url != old_url and current.mode == Mode.SELF_BUILT
        if repointed and mode in (None, Mode.SELF_BUILT) and not _is_owner(user, store):
            raise DomainError("permission_denied", _("只有店主可以修改消息推送地址"), field="webhook_url")
        if mode is not None and mode != current.mode:
            if not _is_owner(user, store):
                raise DomainError("permission_denied", _("只有店主可以切换客服模式"), field="mode")
            if mode == Mode.SELF_BUILT and not current.webhook_url:
                raise DomainError("validation_error", _("自建客服需要消息推送地址"), field="webhook_url")
            now = clock.now()
            leaving = list(Conversation.objects.filter(store=store, mode=current.mode, status=Status.OPEN))
            Conversation.objects.filter(pk__in=[c.pk for c in leaving]).update(
                status=Status.CLOSED, closed_at=now
            )
            for conversation in leaving:
                conversation.status, conversation.closed_at = Status.CLOSED, now
                delivery.conversation_changed(conversation, "closed")
            current.mode, current.mode_changed_at = mode, now
            if mode == Mode.SELF_BUILT:
                new_secret = current.webhook_secret = secrets.token_hex(32)
        current.save()
    return current, new_secret


def add_quick_reply(*, user: User, store: Store, text: str) -> QuickReply:
    _require_agent(user, store.pk)
    text = _clean_text(text)
    with transaction.atomic():
        _lock_store(store.pk)  # two adds at once cannot both take the last place
        if QuickReply.objects.filter(store=store).count() >= rules.QUICK_REPLIES_MAX:
            raise DomainError("service_limit_reached", field="text")
        return QuickReply.objects.create(store=store, text=text, created_at=clock.now())


def add_auto_reply(*, user: User, store: Store, keyword: str, reply: str) -> AutoReply:
    if not has_perm(user, store.pk, Perm.MANAGE_STORE):
        raise DomainError("permission_denied")
    keyword = (keyword or "").strip()
    if not 1 <= len(keyword) <= rules.KEYWORD_MAX:
        raise DomainError("validation_error", field="keyword")
    reply = _clean_text(reply)
    try:
        with transaction.atomic():
            _lock_store(store.pk)  # two adds at once cannot both take the last place
            if AutoReply.objects.filter(store=store).count() >= rules.AUTO_REPLIES_MAX:
                raise DomainError("service_limit_reached", field="keyword")
            return AutoReply.objects.create(store=store, keyword=keyword, reply=reply, created_at=clock.now())
    except IntegrityError:
        raise DomainError("auto_reply_keyword_exists", field="keyword") from None


def delete_reply(*, user: User, store: Store, model, reply_id: int) -> None:
    perm = Perm.MANAGE_STORE if model is AutoReply else Perm.CUSTOMER_SERVICE
    if not has_perm(user, store.pk, perm):
        raise DomainError("permission_denied")
    if not model.objects.filter(store=store, pk=reply_id).delete()[0]:
        raise DomainError("not_found")


# -- presence and assignment -----------------------------------------------------------------


def _require_agent(user: User, store_id: int) -> None:
    if not has_perm(user, store_id, Perm.CUSTOMER_SERVICE):
        raise DomainError("not_found")


def set_presence(*, user: User, store: Store, status: str) -> AgentPresence:
    """An agent goes online, away or offline. Going online takes waiting sessions, up to the limit."""
    _require_agent(user, store.pk)
    if status not in Presence.values:
        raise DomainError("validation_error", field="status")
    with transaction.atomic():
        _lock_store(store.pk)
        presence, _created = AgentPresence.objects.update_or_create(
            store=store, user=user, defaults={"status": status, "updated_at": clock.now()}
        )
        if status == Presence.ONLINE:
            waiting = Conversation.objects.filter(
                store=store, mode=Mode.WORKBENCH, status=Status.OPEN, agent__isnull=True
            ).order_by("started_at", "id")
            for conversation in waiting:
                if _assign(conversation) is None:
                    break
    return presence


def _assign(conversation: Conversation) -> User | None:
    """Give the session to the online agent with the fewest open sessions (below the store's limit;
    the lowest id on a tie). Presence rows are locked, so two sessions opening at once cannot both
    take an agent's last place. None when every agent is busy or away: the session waits."""
    limit = _lock_store(conversation.store_id).max_sessions
    agents = StoreStaff.objects.filter(store_id=conversation.store_id, role__in=AGENT_ROLES).values("user_id")
    online = list(
        AgentPresence.objects.select_for_update()
        .filter(store_id=conversation.store_id, status=Presence.ONLINE, user_id__in=Subquery(agents))
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if not online:
        return None
    active_since = clock.now() - rules.IDLE_CLOSE_AFTER  # an idle session holds no place
    loads = dict(
        Conversation.objects.filter(
            agent_id__in=online,
            store_id=conversation.store_id,
            status=Status.OPEN,
            last_message_at__gte=active_since,
        )
        .values_list("agent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    free = [(loads.get(user_id, 0), user_id) for user_id in online if loads.get(user_id, 0) < limit]
    if not free:
        return None
    _load, agent_id = min(free)
    if not Conversation.objects.filter(pk=conversation.pk, agent__isnull=True).update(agent_id=agent_id):
        return None  # taken meanwhile
    conversation.agent_id = agent_id
    delivery.conversation_changed(conversation, "assigned")
    return User(pk=agent_id)


def _lock_store(store_id: int) -> ServiceSettings:
    """The store's settings row, locked: assignment and presence changes of one store take this
    lock first, so they run one at a time and in one lock order (no deadlock)."""
    settings_for(store_id)
    return ServiceSettings.objects.select_for_update().get(store_id=store_id)


def _agent_online(store_id: int) -> bool:
    agents = StoreStaff.objects.filter(store_id=store_id, role__in=AGENT_ROLES).values("user_id")
    return AgentPresence.objects.filter(
        store_id=store_id, status=Presence.ONLINE, user_id__in=Subquery(agents)
    ).exists()


# -- conversations ---------------------------------------------------------------------------


def _open_store(store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id, state=StoreState.OPEN).first()
    if store is None:
        raise DomainError("not_found")
    return store


def open_conversation(*, buyer: User, store_id: int) -> tuple[Conversation, bool]:
    """The buyer's open session with the store, made now if there is none (with the welcome message
    and, in workbench mode, an agent). Answers (conversation, created). A store still on the legacy
    customer service (extensions.legacy_mode) opens none: 409 `service_legacy_mode`."""
    store = _open_store(store_id)
    _require_own_service(store)
    mode = settings_for(store.pk).mode
    existing = Conversation.objects.filter(store=store, buyer=buyer, mode=mode, status=Status.OPEN).first()
    now = clock.now()
    if existing is not None and now - existing.last_message_at < rules.IDLE_CLOSE_AFTER:
        return existing, False
    if existing is not None:  # idle for 30 minutes: that session is over, this is a new one
        with contextlib.suppress(DomainError):  # closed meanwhile
            close_conversation(user=None, conversation_id=existing.pk)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                store=store, buyer=buyer, mode=mode, started_at=now, last_message_at=now
            )
            _greet(conversation)
    except IntegrityError:  # opened by the buyer's other tab at the same moment
        return Conversation.objects.get(store=store, buyer=buyer, mode=mode, status=Status.OPEN), False
    return conversation, True


def _require_own_service(store: Store) -> None:
    if extensions.legacy_mode(store):
        raise DomainError("service_legacy_mode")


def _greet(conversation: Conversation) -> None:
    current = settings_for(conversation.store_id)
    if conversation.mode == Mode.WORKBENCH:
        if current.welcome_message:
            _bot(conversation, current.welcome_message)
        with transaction.atomic():
            _assign(conversation)
    delivery.conversation_changed(conversation, "opened")


def may_contact(store_id: int, buyer_id: int) -> bool:
    """No cold outreach: a store may start a session only with a buyer who consulted it (an earlier
    session opened by the buyer) or ordered from it."""
    consulted = Conversation.objects.filter(
        store_id=store_id, buyer_id=buyer_id, opened_by=Sender.BUYER
    ).exists()
    return consulted or Order.objects.filter(store_id=store_id, buyer_id=buyer_id).exists()


def start_conversation(*, agent: User, store: Store, buyer_id: int) -> tuple[Conversation, bool]:
    """An agent opens a session with a buyer who consulted or ordered (otherwise 403
    `cold_outreach`); the open one is returned when there is one. Not on the legacy customer
    service: 409 `service_legacy_mode`."""
    _require_agent(agent, store.pk)
    _require_own_service(store)
    buyer = User.objects.filter(pk=buyer_id, is_active=True).first()
    if buyer is None or not may_contact(store.pk, buyer_id):
        raise DomainError("cold_outreach")
    mode = settings_for(store.pk).mode
    existing = Conversation.objects.filter(store=store, buyer=buyer, mode=mode, status=Status.OPEN).first()
    if existing is not None:
        return existing, False
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                store=store,
                buyer=buyer,
                mode=mode,
                started_at=now,
                last_message_at=now,
                opened_by=Sender.AGENT,
                agent=agent if mode == Mode.WORKBENCH else None,
            )
            delivery.conversation_changed(conversation, "opened")
    except IntegrityError:
        return Conversation.objects.get(store=store, buyer=buyer, mode=mode, status=Status.OPEN), False
    return conversation, True


def _side(user: User, conversation: Conversation) -> str:
    """Sender.BUYER or Sender.AGENT for a participant; 404 for anyone else."""
    if conversation.buyer_id == user.pk:
        return Sender.BUYER
    if has_perm(user, conversation.store_id, Perm.CUSTOMER_SERVICE):
        return Sender.AGENT
    raise DomainError("not_found")


def conversation_for(user: User, conversation_id: int) -> tuple[Conversation, str]:
    conversation = Conversation.objects.select_related("store").filter(pk=conversation_id).first()
    if conversation is None:
        raise DomainError("not_found")
    return conversation, _side(user, conversation)


def transfer(*, agent: User, conversation_id: int, to_user_id: int) -> Conversation:
    """Hand an open session to another agent of the store (online or not: the receiver sees it in
    their queue)."""
    conversation, side = conversation_for(agent, conversation_id)
    if side != Sender.AGENT:
        raise DomainError("not_found")
    if conversation.status != Status.OPEN or conversation.mode != Mode.WORKBENCH:
        raise DomainError("invalid_transition")
    if to_user_id == conversation.agent_id or not has_perm(
        User(pk=to_user_id), conversation.store_id, Perm.CUSTOMER_SERVICE
    ):
        raise DomainError("validation_error", _("只能转接给本店的其他客服"), field="to_user_id")
    with transaction.atomic():
        changed = Conversation.objects.filter(pk=conversation.pk, status=Status.OPEN).update(
            agent_id=to_user_id
        )
        if not changed:
            raise DomainError("invalid_transition")
        conversation.agent_id = to_user_id
        _bot(conversation, _("会话已转接"), Sender.SYSTEM)
        delivery.conversation_changed(conversation, "transferred")
    return conversation


def close_conversation(*, user: User | None, conversation_id: int) -> Conversation:
    """The buyer or an agent ends the session (user None: the system, for an idle one — only
    while it is still idle)."""
    still = Q()
    if user is None:
        conversation = Conversation.objects.get(pk=conversation_id)
        still = Q(last_message_at__lt=clock.now() - rules.IDLE_CLOSE_AFTER)
    else:
        conversation = conversation_for(user, conversation_id)[0]
    with transaction.atomic():
        changed = Conversation.objects.filter(still, pk=conversation.pk, status=Status.OPEN).update(
            status=Status.CLOSED, closed_at=clock.now()
        )
        if not changed:
            raise DomainError("invalid_transition", _("会话已结束"))
        conversation.refresh_from_db()
        delivery.conversation_changed(conversation, "closed")
    return conversation


def close_idle_conversations() -> int:
    """Close open sessions with no message for 30 minutes (the sweep task)."""
    idle = Conversation.objects.filter(
        status=Status.OPEN, last_message_at__lt=clock.now() - rules.IDLE_CLOSE_AFTER
    ).values_list("pk", flat=True)
    closed = 0
    for conversation_id in list(idle):
        try:
            close_conversation(user=None, conversation_id=conversation_id)
            closed += 1
        except DomainError:  # closed meanwhile
            continue
    return closed


def rate_conversation(*, buyer: User, conversation_id: int, rating: int, comment: str = "") -> Conversation:
    """The buyer's satisfaction rating (1–5) of a closed session, once, within 7 days."""
    conversation, side = conversation_for(buyer, conversation_id)
    if side != Sender.BUYER:
        raise DomainError("not_found")
    if (
        not isinstance(rating, int)
        or isinstance(rating, bool)
        or not rules.RATING_MIN <= rating <= rules.RATING_MAX
    ):
        raise DomainError("validation_error", field="rating")
    if conversation.status != Status.CLOSED or conversation.closed_at is None:
        raise DomainError("invalid_transition", _("会话结束后才能评价"))
    if clock.now() - conversation.closed_at > rules.RATING_WITHIN:
        raise DomainError("invalid_transition", _("已超过评价期限"))
    comment = (comment or "").strip()[: rules.RATING_COMMENT_MAX]
    with transaction.atomic():
        changed = Conversation.objects.filter(pk=conversation.pk, rating__isnull=True).update(
            rating=rating, rating_comment=comment
        )
        if not changed:
            raise DomainError("already_rated")
        scoring.rate_service_session(session_key=_fact_key(conversation), rating=rating)
    conversation.rating, conversation.rating_comment = rating, comment
    return conversation


# -- messages --------------------------------------------------------------------------------


def _clean_text(text) -> str:
    return message_text(text, limit=rules.TEXT_MAX)


def _card(kind: str, conversation: Conversation, product_id, order_id) -> dict:
    if kind == Kind.PRODUCT:
        product = (
            Product.objects.filter(
                pk=product_id or 0, store_id=conversation.store_id, state=ProductState.LISTED
            )
            .prefetch_related("skus")
            .first()
        )
        if product is None:
            raise DomainError("validation_error", _("商品不存在或未上架"), field="product_id")
        prices = [s.price_fen for s in product.skus.all() if s.is_active]
        return {"product_id": product.pk, "title": product.title, "price_min_fen": min(prices, default=None)}
    order = Order.objects.filter(
        pk=order_id or 0, store_id=conversation.store_id, buyer_id=conversation.buyer_id
    ).first()
    if order is None:
        raise DomainError("validation_error", _("订单不存在"), field="order_id")
    return {
        "order_id": order.pk,
        "number": order.number,
        "status": order.status,
        "total_fen": order.total_fen,
    }


def send_message(
    *,
    user: User,
    conversation_id: int,
    kind: str = Kind.TEXT,
    text: str = "",
    product_id: int | None = None,
    order_id: int | None = None,
    image=None,
    client_id: str = "",
) -> tuple[Message, bool]:
    """A message from the buyer or an agent. `client_id` makes a resend harmless: the same id from
    the same person in the same session answers the message already saved (created False). The
    session's row is locked while the message is saved, so the first buyer message and the first
    human reply are decided once, in order."""
    conversation, side = conversation_for(user, conversation_id)
    client_id = (client_id or "").strip() if isinstance(client_id, str) else ""
    if len(client_id) > rules.CLIENT_ID_MAX:
        raise DomainError("validation_error", field="client_id")
    if client_id:
        seen = Message.objects.filter(conversation=conversation, author=user, client_id=client_id).first()
        if seen is not None:
            return seen, False
    if conversation.status != Status.OPEN:
        raise DomainError("conversation_closed")
    if conversation.mode != settings_for(conversation.store_id).mode:
        raise DomainError("conversation_closed")
    if kind not in Kind.values:
        raise DomainError("validation_error", field="kind")
    card, body = {}, ""
    if kind == Kind.TEXT:
        body = _clean_text(text)
    elif kind in (Kind.PRODUCT, Kind.ORDER):
        card = _card(kind, conversation, product_id, order_id)
    else:  # an image: shown to be one, at most IMAGE_MAX_BYTES, saved under a name of our own
        data, image_format, _width, _height = read_image(image, max_bytes=rules.IMAGE_MAX_BYTES)
        image = ContentFile(data, name=f"{uuid.uuid4().hex}.{image_format.lower()}")
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
            if conversation.status != Status.OPEN:
                raise DomainError("conversation_closed")
            message = Message.objects.create(
                conversation=conversation,
                sender=side,
                author=user,
                kind=kind,
                text=body,
                card=card,
                image=image or "",
                client_id=client_id,
                created_at=now,
            )
            _after_message(conversation, message, now)
    except IntegrityError:
        if not client_id:
            raise
        # the same client id raced in from the person's other connection
        return Message.objects.get(conversation_id=conversation.pk, author=user, client_id=client_id), False
    return message, True


def _after_message(conversation: Conversation, message: Message, now: datetime) -> None:
    updates: dict[str, datetime | int | None] = {"last_message_at": now}
    if message.sender == Sender.BUYER:
        if conversation.first_buyer_message_at is None:
            updates["first_buyer_message_at"] = now
            _record_session(conversation, started=now)
    elif message.sender == Sender.AGENT:
        if conversation.first_human_reply_at is None and conversation.first_buyer_message_at is not None:
            updates["first_human_reply_at"] = now
            # whole seconds, rounded up: 180.4 s is not "within 3 minutes"
            seconds = math.ceil((now - conversation.first_buyer_message_at).total_seconds())
            scoring.record_first_human_reply(session_key=_fact_key(conversation), seconds=seconds)
        if conversation.agent_id is None and conversation.mode == Mode.WORKBENCH:
            updates["agent_id"] = conversation.agent_id = message.author_id  # who answers takes it
            delivery.conversation_changed(conversation, "assigned")
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    delivery.message_sent(conversation, message)
    if message.sender == Sender.BUYER:
        if conversation.mode == Mode.SELF_BUILT:
            delivery.to_self_built(conversation, message)
        else:
            _answer_automatically(conversation, message)


def _answer_automatically(conversation: Conversation, message: Message) -> None:
    """Keyword replies (the first matching rule), then, outside service hours or with no agent
    online, the offline message once per session. Both are bot messages: they never count as a
    human reply."""
    if message.kind == Kind.TEXT:
        for rule in AutoReply.objects.filter(store_id=conversation.store_id):
            if rule.keyword.casefold() in message.text.casefold():
                _bot(conversation, rule.reply)
                break
    current = settings_for(conversation.store_id)
    closed_now = not (current.opens_at <= local_time(message.created_at) < current.closes_at)
    if (closed_now or not _agent_online(conversation.store_id)) and current.offline_message:
        already = Message.objects.filter(
            conversation=conversation, sender=Sender.BOT, text=current.offline_message
        ).exists()
        if not already:
            _bot(conversation, current.offline_message)


def _bot(conversation: Conversation, text: str, sender: str = Sender.BOT) -> Message:
    """A message the platform writes: a bot's (welcome, offline, keyword) or a system line."""
    message = Message.objects.create(
        conversation=conversation, sender=sender, kind=Kind.TEXT, text=text, created_at=clock.now()
    )
    delivery.message_sent(conversation, message)
    return message


def acknowledge(*, user: User, conversation_id: int, up_to: int, read: bool) -> Conversation:
    """Delivery (and, with `read`, read) receipts: the user's side has everything up to message
    `up_to`. Receipts only move forward; the other side is told."""
    conversation, side = conversation_for(user, conversation_id)
    if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
        raise DomainError("validation_error", field="up_to")
    newest = (
        Message.objects.filter(conversation=conversation).order_by("-id").values_list("id", flat=True).first()
        or 0
    )
    up_to = min(up_to, newest)
    prefix = "buyer" if side == Sender.BUYER else "store"
    fields = [f"{prefix}_delivered_id"] + ([f"{prefix}_read_id"] if read else [])
    with transaction.atomic():
        for name in fields:
            Conversation.objects.filter(pk=conversation.pk, **{f"{name}__lt": up_to}).update(**{name: up_to})
        conversation.refresh_from_db()
        delivery.receipt(conversation, side)
    return conversation


# -- the score's input -----------------------------------------------------------------------


def _fact_key(conversation: Conversation) -> str:
    return f"conversation:{conversation.pk}"


def _record_session(conversation: Conversation, *, started: datetime) -> None:
    """The session as the store score reads it (scoring's ServiceSessionFact): counted when its first
    buyer message came 08:00–23:00 Asia/Shanghai, whichever mode the store uses. A self-built
    system's replies come back through the messages API, so the platform times them as it times
    the workbench's: switching modes changes nothing about the score."""
    scoring.record_service_session(
        session_key=_fact_key(conversation),
        store_id=conversation.store_id,
        started_at=started,
        in_service_hours=in_hours(started),
    )
