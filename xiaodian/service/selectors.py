"""Reads of customer service: a buyer's and a store's conversations, a conversation's messages (a
page before or after an id), what a reconnecting client missed, and the store's service data."""

from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.scoring.models import ServiceSessionFact
from xiaodian.stores.access import has_perm
from xiaodian.stores.models import Store, StoreStaff

from . import rules
from .days import SHANGHAI
from .models import AgentPresence, AutoReply, Conversation, Message, QuickReply, ServiceSettings
from .rules import Mode, Presence, Sender, Status
from .services import AGENT_ROLES, settings_for


def buyer_conversations(buyer: User) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(buyer=buyer).select_related("store").order_by("-last_message_at", "-id")
    )


def store_conversations(
    store: Store, *, status: str | None = None, agent: User | None = None
) -> QuerySet[Conversation]:
    """The store's sessions in its current mode (an earlier mode's history does not carry over)."""
    mode = settings_for(store.pk).mode
    rows = Conversation.objects.filter(store=store, mode=mode).select_related("buyer", "agent")
    if status:
        if status not in Status.values:
            raise DomainError("validation_error", field="status")
        rows = rows.filter(status=status)
    if agent is not None:
        rows = rows.filter(agent=agent)
    return rows.order_by("-last_message_at", "-id")


def messages(
    conversation: Conversation, *, before: int | None = None, after: int | None = None, limit: int = 50
) -> list[Message]:
    """Oldest first. `before`: the page older than that id (history, scrolling up); `after`: what
    came since (catching up); neither: the newest page."""
    if not 1 <= limit <= rules.PAGE_MAX:
        raise DomainError("validation_error", field="limit")
    rows = Message.objects.filter(conversation=conversation)
    if after is not None:
        return list(rows.filter(id__gt=after).order_by("id")[:limit])
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(reversed(rows.order_by("-id")[:limit]))


def missed(user: User, since: int) -> list[Message]:
    """Messages after `since` in the user's conversations — as the buyer, or as an agent of the
    store in its current mode — oldest first, at most SYNC_MAX (the client asks again from the
    last one)."""
    stores = StoreStaff.objects.filter(user=user, role__in=AGENT_ROLES).values_list("store_id", flat=True)
    modes = dict(ServiceSettings.objects.filter(store_id__in=list(stores)).values_list("store_id", "mode"))
    mine = Q(conversation__buyer=user)
    for store_id in stores:
        if modes.get(store_id, Mode.WORKBENCH) == Mode.WORKBENCH:
            mine |= Q(conversation__store_id=store_id, conversation__mode=Mode.WORKBENCH)
    return list(Message.objects.filter(mine, id__gt=since).order_by("id")[: rules.SYNC_MAX])


def agent_stores(user: User) -> list[int]:
    """Stores whose workbench this user staffs (their websocket joins those stores' groups)."""
    return list(StoreStaff.objects.filter(user=user, role__in=AGENT_ROLES).values_list("store_id", flat=True))


def agents(store: Store) -> list[dict]:
    """The store's agents with their presence and open sessions."""
    staff = (
        StoreStaff.objects.filter(store=store, role__in=AGENT_ROLES)
        .select_related("user")
        .order_by("user_id")
    )
    presence = dict(AgentPresence.objects.filter(store=store).values_list("user_id", "status"))
    loads = dict(
        Conversation.objects.filter(store=store, status=Status.OPEN, agent__isnull=False)
        .values_list("agent_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {
            "user_id": s.user_id,
            "name": s.user.display_name or s.user.username,
            "status": presence.get(s.user_id, Presence.OFFLINE),
            "open_sessions": loads.get(s.user_id, 0),
        }
        for s in staff
    ]


def quick_replies(store: Store) -> QuerySet[QuickReply]:
    return QuickReply.objects.filter(store=store)


def auto_replies(store: Store) -> QuerySet[AutoReply]:
    return AutoReply.objects.filter(store=store)


def service_stats(store: Store, *, start: date, end: date) -> dict:
    """The workbench's data panel for Shanghai days [start, end]: sessions, the share of counted
    sessions (08:00–23:00) with a human reply within 3 minutes, the mean first human reply, and
    satisfaction. One aggregate query."""
    if end < start or (end - start).days > 366:
        raise DomainError("date_range_invalid")
    since = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    within = rules.REPLY_WITHIN.total_seconds()
    row = ServiceSessionFact.objects.filter(
        store=store, started_at__gte=since, started_at__lt=until
    ).aggregate(
        sessions=Count("id"),
        counted=Count("id", filter=Q(in_service_hours=True)),
        within=Count("id", filter=Q(in_service_hours=True, first_human_reply_seconds__lte=within)),
        replied=Count("id", filter=Q(first_human_reply_seconds__isnull=False)),
        average=Avg("first_human_reply_seconds"),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfaction=Avg("rating"),
    )
    return {
        "from": start,
        "to": end,
        "sessions": row["sessions"],
        "counted": row["counted"],
        "within_3min": row["within"],
        "within_3min_rate": round(row["within"] / row["counted"], 4) if row["counted"] else None,
        "target": rules.REPLY_TARGET,
        "replied": row["replied"],
        "average_first_reply_seconds": round(float(row["average"]), 1)
        if row["average"] is not None
        else None,
        "rated": row["rated"],
        "satisfaction": round(float(row["satisfaction"]), 2) if row["satisfaction"] is not None else None,
    }


def may_work(user: User, store_id: int) -> bool:
    return has_perm(user, store_id, Perm.CUSTOMER_SERVICE)


def _unread(side: str) -> Coalesce:
    """Messages of the other side after this side's read receipt (one subquery per row)."""
    if side == Sender.BUYER:
        theirs = ~Q(sender=Sender.BUYER) & Q(id__gt=OuterRef("buyer_read_id"))
    else:
        theirs = Q(sender=Sender.BUYER, id__gt=OuterRef("store_read_id"))
    count = (
        Message.objects.filter(theirs, conversation=OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(count), Value(0))


def with_summary(rows: QuerySet[Conversation], side: str) -> QuerySet[Conversation]:
    """Each conversation with `unread` (the other side's messages after this side's read
    receipt), and its last message's `last_text` and `last_kind`: three subqueries, one query."""
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    return rows.annotate(
        unread=_unread(side),
        last_text=Subquery(newest.values("text")[:1]),
        last_kind=Subquery(newest.values("kind")[:1]),
    )


def workbench_sessions(store: Store, user: User, *, limit: int) -> list[Conversation]:
    """The store's open sessions: mine first, then those waiting for an agent, then the others'
    — each group newest activity first — with the buyer's unread messages and the last one."""
    rows = store_conversations(store, status=Status.OPEN).order_by(
        Case(
            When(agent_id=user.pk, then=Value(0)),
            When(agent__isnull=True, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "-last_message_at",
        "-id",
    )
    sessions = list(with_summary(rows, Sender.AGENT)[:limit])
    for session in sessions:
        session.group = (
            "mine" if session.agent_id == user.pk else "waiting" if session.agent_id is None else "others"
        )
    return sessions


def unanswered_count(store: Store) -> int:
    """The store's open sessions whose newest message is the buyer's: a reply is owed (the
    workbench's to-do)."""
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id").values("sender")[:1]
    rows = store_conversations(store, status=Status.OPEN).annotate(last_sender=Subquery(newest))
    return rows.filter(last_sender=Sender.BUYER).count()
