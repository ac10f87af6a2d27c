"""The merchant's workbench (issue 17): per store, the to-dos with their counts and links, and
what buyers paid today and this week against the period before. Each part only for a role that
may act on it (orders for order handlers, chats for customer service, money for finance too)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import ROLE_PERMS, Perm
from xiaodian.aftersales import selectors as aftersales
from xiaodian.complaints import selectors as complaints
from xiaodian.core import clock
from xiaodian.orders import selectors as orders
from xiaodian.service import selectors as service
from xiaodian.stores.models import Store


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    count: int
    url: str
    urgent: bool = False  # shown in red when there is any


@dataclass(frozen=True)
class Period:
    label: str
    paid_fen: int
    orders: int
    before_paid_fen: int
    before_orders: int

    @property
    def change_fen(self) -> int:
        return self.paid_fen - self.before_paid_fen


@dataclass
class Desk:
    store: Store
    role: str
    todos: list[Todo] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)

    @property
    def open_todos(self) -> int:
        return sum(t.count for t in self.todos)


def _midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def _period(store: Store, label: str, start: datetime, end: datetime, before: datetime) -> Period:
    now, previous = orders.takings(store, start, end), orders.takings(store, before, start)
    return Period(label, now.paid_fen, now.orders, previous.paid_fen, previous.orders)


def desk(store: Store, role: str) -> Desk:
    """One store's workbench for a person holding `role` there."""
    perms, now = ROLE_PERMS[role], clock.now()
    result = Desk(store=store, role=role)
    if Perm.MANAGE_ORDERS in perms:
        due = orders.ship_due(store, now)
        waiting, disputes = aftersales.waiting_counts(store)
        to_ship = reverse("orders:store_orders", args=[store.pk]) + "?tab=to_ship"
        result.todos += [
            Todo("to_ship", _("待发货"), due.to_ship, to_ship),
            Todo("nearly_late", _("即将超时发货"), due.nearly_late, to_ship, urgent=True),
            Todo("late", _("已超时发货"), due.late, to_ship, urgent=True),
            Todo(
                "aftersales",
                _("售后待处理"),
                waiting,
                reverse("aftersales:store_aftersales", args=[store.pk]) + "?tab=merchant",
                urgent=True,
            ),
            Todo(
                "disputes",
                _("平台介入中"),
                disputes,
                reverse("aftersales:store_aftersales", args=[store.pk]) + "?tab=rejected",
            ),
        ]
    if Perm.CUSTOMER_SERVICE in perms:
        result.todos.append(
            Todo(
                "chats",
                _("待回复咨询"),
                service.unanswered_count(store),
                reverse("service:workbench", args=[store.pk]),
                urgent=True,
            )
        )
        result.todos.append(
            Todo(
                "complaints",
                _("投诉待回应"),
                complaints.waiting_answer_count(store.pk),
                reverse("complaints:store_list", args=[store.pk]) + "?state=open",
                urgent=True,
            )
        )
    if perms & {Perm.MANAGE_ORDERS, Perm.FINANCE}:
        local = now.astimezone(clock.SHANGHAI)
        today = _midnight(local.date())
        week = today - timedelta(days=local.weekday())
        result.periods = [
            _period(store, _("今天"), today, now, today - timedelta(days=1)),
            _period(store, _("本周"), week, now, week - timedelta(days=7)),
        ]
    return result
