"""Who the signed-in person is to the site, for the menus and the page after sign-in (issue 17):
a buyer, a merchant (a role in a store other than customer service), a customer-service agent
only, a platform operator. Read once per request, lazily: one query, and none for pages that do
not ask (the anonymous ones)."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import ROLE_PERMS, Perm, Role
from xiaodian.stores import selectors as store_selectors

# A store's side menu: (label, URL name, the permissions of which the role needs one). The data
# center's are analytics.rules.DATA_PERMS (xiaodian/tests/test_navigation.py keeps them equal:
# the two apps are siblings and may not import each other).
STORE_MENU = (
    (_("工作台"), "web:store_workbench", (Perm.VIEW,)),
    (_("商品"), "catalog:store_products", (Perm.MANAGE_PRODUCTS,)),
    (_("订单"), "orders:store_orders", (Perm.MANAGE_ORDERS,)),
    (_("售后"), "aftersales:store_aftersales", (Perm.MANAGE_ORDERS,)),
    (_("评价"), "reviews:store_reviews", (Perm.VIEW,)),
    (_("店铺主页"), "stores:homepage_editor", (Perm.MANAGE_PRODUCTS,)),
    (_("优惠券"), "coupons:store_coupons", (Perm.MANAGE_PRODUCTS,)),
    (_("数据"), "analytics:data", (Perm.MANAGE_ORDERS, Perm.FINANCE)),
    (_("资金"), "ledger:money", (Perm.FINANCE,)),
    (_("优选联盟"), "alliance:store_alliance", (Perm.MANAGE_STORE,)),
    (_("客服"), "service:workbench", (Perm.CUSTOMER_SERVICE,)),
    (_("投诉"), "complaints:store_list", (Perm.CUSTOMER_SERVICE,)),
    (_("关联账号"), "web:store_links", (Perm.VIEW,)),
    (_("员工"), "web:store_staff", (Perm.MANAGE_STAFF,)),
    (_("设置"), "web:store_settings", (Perm.VIEW,)),
)


@dataclass
class Navigation:
    roles: dict[int, str] = field(default_factory=dict)  # store id → the person's role there
    operator: bool = False

    @property
    def merchant(self) -> bool:
        return any(role != Role.AGENT for role in self.roles.values())

    @property
    def agent_store_id(self) -> int | None:
        """The first store where the person is customer service only, if that is all they are."""
        if self.merchant or not self.roles:
            return None
        return min(self.roles)

    def landing(self) -> str:
        """Where the person starts after signing in."""
        if self.operator:
            return reverse("web:ops")
        if self.merchant:
            return reverse("web:workbench")
        if self.agent_store_id is not None:
            return reverse("service:workbench", args=[self.agent_store_id])
        return reverse("web:home")

    def store_menu(self, store_id: int) -> list[dict]:
        """The side menu of one store's pages, as the person's role there allows; [] without one."""
        role = self.roles.get(store_id)
        if role is None:
            return []
        perms = ROLE_PERMS[role]
        return [
            {"label": label, "url": reverse(name, args=[store_id]), "name": name}
            for label, name, needs in STORE_MENU
            if perms.intersection(needs)
        ]


def navigation_of(user) -> Navigation:
    if not user.is_authenticated:
        return Navigation()
    return Navigation(roles=store_selectors.store_roles(user), operator=user.is_staff)


def navigation(request) -> dict:
    """Context processor: `nav` (a Navigation, read on first use) and `store_menu` for pages under
    /stores/<id>/ (the side menu, empty where the person has no role)."""
    nav = SimpleLazyObject(lambda: navigation_of(request.user))
    match = getattr(request, "resolver_match", None)
    store_id = match.kwargs.get("store_id") if match else None
    menu = SimpleLazyObject(lambda: nav.store_menu(store_id) if store_id else [])
    current = match.view_name if match else ""
    return {"nav": nav, "store_menu": menu, "current_view": current}
