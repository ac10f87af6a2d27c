"""Customer-service endpoints (docs/service.md). A buyer opens a session with a store and talks in
it; the store's agents (staff with `customer_service`) answer, transfer and close; a self-built
system answers with a staff member's API token. Anyone else gets 404."""

from datetime import timedelta

from ninja import Query, Router

from xiaodian.accounts.rules import Perm
from xiaodian.core import throttle
from xiaodian.core.errors import DomainError
from xiaodian.core.openapi import refuses
from xiaodian.core.pagination import ObjectId, Page, PageParams, paginate
from xiaodian.stores.access import store_for

from . import rules, selectors, services
from .days import today
from .models import AutoReply, QuickReply
from .schemas import (
    AutoReplyIn,
    AutoReplyOut,
    ConversationFilter,
    ConversationOut,
    MessageIn,
    MessageOut,
    MessagePage,
    MessageParams,
    OpenIn,
    PresenceIn,
    PresenceOut,
    QuickReplyIn,
    QuickReplyOut,
    RateIn,
    ReceiptIn,
    SettingsIn,
    SettingsOut,
    StatsOut,
    StatsParams,
    TransferIn,
)

router = Router(tags=["service"])


@router.post("/stores/{store_id}/conversations", response={200: ConversationOut, 201: ConversationOut})
@refuses("cold_outreach", "service_legacy_mode")
def open_conversation(request, store_id: ObjectId, body: OpenIn | None = None):
    """A buyer opens (or returns to) a session with the store: 201 when new. Staff with
    `customer_service` pass `buyer_id` to start one with a buyer who consulted or ordered
    (403 `cold_outreach` otherwise). A legacy video store before its customer-service upgrade
    serves through business contacts: 409 `service_legacy_mode`."""
    if body is not None and body.buyer_id is not None:
        store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
        conversation, created = services.start_conversation(
            agent=request.auth, store=store, buyer_id=body.buyer_id
        )
    else:
        conversation, created = services.open_conversation(buyer=request.auth, store_id=store_id)
    return (201 if created else 200), conversation


@router.get("/conversations", response=Page[ConversationOut])
def list_conversations(request, filters: Query[ConversationFilter], page: Query[PageParams]):
    """The caller's sessions as a buyer (role=buyer), or a store's in its current mode (role=store,
    store_id, `customer_service`), newest activity first."""
    if filters.role == "buyer":
        rows = selectors.buyer_conversations(request.auth)
        if filters.status:
            rows = rows.filter(status=filters.status)
        return paginate(rows, page)
    if filters.store_id is None:
        raise DomainError("validation_error", field="store_id")
    store = store_for(request.auth, filters.store_id, Perm.CUSTOMER_SERVICE)
    rows = selectors.store_conversations(
        store, status=filters.status, agent=request.auth if filters.mine else None
    )
    return paginate(rows.select_related("store"), page)


@router.get("/conversations/{conversation_id}/messages", response=MessagePage)
def list_messages(request, conversation_id: ObjectId, params: Query[MessageParams]):
    """Oldest first: the newest page, the page before `before`, or what came after `after`."""
    conversation, _side = services.conversation_for(request.auth, conversation_id)
    rows = selectors.messages(conversation, before=params.before, after=params.after, limit=params.limit + 1)
    if params.after is not None:
        return {"items": rows[: params.limit], "has_more": len(rows) > params.limit}
    return {"items": rows[-params.limit :], "has_more": len(rows) > params.limit}


@router.post("/conversations/{conversation_id}/messages", response={200: MessageOut, 201: MessageOut})
@refuses("rate_limited")
def send_message(request, conversation_id: ObjectId, body: MessageIn):
    """A text, product-card or order-card message (images from the pages). 201 when saved; 200 with
    the saved message when the same `client_id` was sent before; 429 `rate_limited` past the
    sender's limit (rules.MESSAGE_SEND_PER_USER)."""
    throttle.hit(rules.MESSAGE_SEND_PER_USER, request.auth.pk)
    message, created = services.send_message(
        user=request.auth, conversation_id=conversation_id, **body.dict()
    )
    return (201 if created else 200), message


@router.post("/conversations/{conversation_id}/transfer", response=ConversationOut)
def transfer(request, conversation_id: ObjectId, body: TransferIn):
    """Hand the session to another agent of the store."""
    return services.transfer(agent=request.auth, conversation_id=conversation_id, to_user_id=body.to_user_id)


@router.post("/conversations/{conversation_id}/close", response=ConversationOut)
def close(request, conversation_id: ObjectId):
    return services.close_conversation(user=request.auth, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/rate", response=ConversationOut)
def rate(request, conversation_id: ObjectId, body: RateIn):
    """The buyer's satisfaction (1–5) after the session closed, once, within 7 days."""
    return services.rate_conversation(
        buyer=request.auth, conversation_id=conversation_id, rating=body.rating, comment=body.comment
    )


@router.post("/conversations/{conversation_id}/receipts", response=ConversationOut)
def receipts(request, conversation_id: ObjectId, body: ReceiptIn):
    """The caller's side has received (and, with `read`, read) everything up to message `up_to`."""
    return services.acknowledge(
        user=request.auth, conversation_id=conversation_id, up_to=body.up_to, read=body.read
    )


def _settings_out(current, secret=None) -> dict:
    fields = (
        "mode",
        "welcome_message",
        "offline_message",
        "opens_at",
        "closes_at",
        "max_sessions",
        "webhook_url",
    )
    return {
        "store_id": current.store_id,
        "mode_changed_at": current.mode_changed_at,
        "webhook_secret": secret,
        **{f: getattr(current, f) for f in fields},
    }


@router.get("/stores/{store_id}/service-settings", response=SettingsOut)
def get_settings(request, store_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
    return _settings_out(services.settings_for(store.pk))


@router.put("/stores/{store_id}/service-settings", response=SettingsOut)
def put_settings(request, store_id: ObjectId, body: SettingsIn):
    """Change the settings (`manage_store`); switching `mode` is the owner's alone. Switching to
    self-built answers the signing secret once."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    current, secret = services.update_settings(
        user=request.auth, store=store, **body.dict(exclude_unset=True)
    )
    return _settings_out(current, secret)


@router.put("/stores/{store_id}/service/presence", response=PresenceOut)
def presence(request, store_id: ObjectId, body: PresenceIn):
    """The calling agent goes online, away or offline in the store's workbench."""
    store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
    row = services.set_presence(user=request.auth, store=store, status=body.status)
    return {"store_id": store.pk, "user_id": row.user_id, "status": row.status}


@router.get("/stores/{store_id}/quick-replies", response=list[QuickReplyOut])
def list_quick_replies(request, store_id: ObjectId):
    return list(selectors.quick_replies(store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)))


@router.post("/stores/{store_id}/quick-replies", response={201: QuickReplyOut})
def add_quick_reply(request, store_id: ObjectId, body: QuickReplyIn):
    store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
    return 201, services.add_quick_reply(user=request.auth, store=store, text=body.text)


@router.delete("/stores/{store_id}/quick-replies/{reply_id}", response={204: None})
def delete_quick_reply(request, store_id: ObjectId, reply_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
    services.delete_reply(user=request.auth, store=store, model=QuickReply, reply_id=reply_id)
    return 204, None


@router.get("/stores/{store_id}/auto-replies", response=list[AutoReplyOut])
def list_auto_replies(request, store_id: ObjectId):
    return list(selectors.auto_replies(store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)))


@router.post("/stores/{store_id}/auto-replies", response={201: AutoReplyOut})
def add_auto_reply(request, store_id: ObjectId, body: AutoReplyIn):
    """A keyword reply (`manage_store`): a buyer's text containing the keyword gets it, as a bot."""
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    return 201, services.add_auto_reply(
        user=request.auth, store=store, keyword=body.keyword, reply=body.reply
    )


@router.delete("/stores/{store_id}/auto-replies/{reply_id}", response={204: None})
def delete_auto_reply(request, store_id: ObjectId, reply_id: ObjectId):
    store = store_for(request.auth, store_id, Perm.MANAGE_STORE)
    services.delete_reply(user=request.auth, store=store, model=AutoReply, reply_id=reply_id)
    return 204, None


@router.get("/stores/{store_id}/service/stats", response=StatsOut, by_alias=True)
def stats(request, store_id: ObjectId, params: Query[StatsParams]):
    """The workbench's data: sessions, the 3-minute human reply share (08:00–23:00, bots excluded),
    the mean first reply and satisfaction; default the last 30 days."""
    store = store_for(request.auth, store_id, Perm.CUSTOMER_SERVICE)
    end = params.to or today()
    start = params.from_ or end - timedelta(days=29)
    return selectors.service_stats(store, start=start, end=end)
