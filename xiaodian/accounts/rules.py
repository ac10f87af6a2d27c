"""Account rules: limits on what people type, subject kinds and the staff roles of a store."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.core.throttle import Limit

USERNAME_MAX = 40
DISPLAY_NAME_MAX = 40
SUBJECT_NAME_MAX = 100
AVATAR_MAX_BYTES = 2 * 1024 * 1024
AVATAR_MAX_PIXELS = 4096
TOKEN_NAME_MAX = 60
LICENCE_NUMBER_INPUT_MAX = 40  # accepted as typed (spaces, dashes); the service normalises it to 18
TRADE_NAME_MAX = 20


# Rate limits (django-ratelimit's "COUNT/PERIOD": 10/5m is 10 per 5 minutes; docs/operations.md).
# Every sign-in attempt counts, successful or not, and is refused over the limit before the
# password hash is checked, so a wrong-password flood costs one cache increment per request.
SIGN_IN_PER_ACCOUNT = Limit(
    "accounts.sign_in.account", "10/5m"
)  # by the username typed, whichever address it comes from
SIGN_IN_PER_ADDRESS = Limit(
    "accounts.sign_in.address", "30/5m"
)  # by client address, whichever usernames it tries
REGISTER_PER_ADDRESS = Limit("accounts.register.address", "10/h")
TOKEN_CREATE_PER_USER = Limit("accounts.token_create.user", "20/h")  # API tokens made on the tokens page


class SubjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    INDIVIDUAL = "individual", _("个人")


class Verification(models.TextChoices):
    PENDING = "pending", _("待审核")
    VERIFIED = "verified", _("已认证")
    REJECTED = "rejected", _("未通过")


class Role(models.TextChoices):
    OWNER = "owner", _("店主")
    ADMIN = "admin", _("管理员")
    OPERATOR = "operator", _("运营")
    AGENT = "agent", _("客服")
    FINANCE = "finance", _("财务")


class Perm(models.TextChoices):
    """What a staff member may do in a store; every store-scoped endpoint names one."""

    VIEW = "view", _("查看店铺")
    MANAGE_STORE = "manage_store", _("店铺设置")
    MANAGE_STAFF = "manage_staff", _("管理员工")
    MANAGE_PRODUCTS = "manage_products", _("商品管理")
    MANAGE_ORDERS = "manage_orders", _("订单与发货")
    CUSTOMER_SERVICE = "customer_service", _("客服")
    FINANCE = "finance", _("资金与保证金")


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(Perm.values),
    Role.ADMIN: frozenset(Perm.values),
    Role.OPERATOR: frozenset({Perm.VIEW, Perm.MANAGE_PRODUCTS, Perm.MANAGE_ORDERS}),
    Role.AGENT: frozenset({Perm.VIEW, Perm.CUSTOMER_SERVICE}),
    Role.FINANCE: frozenset({Perm.VIEW, Perm.FINANCE}),
}

# Roles an admin may grant; only the owner appoints admins, and ownership never moves through staff.
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({Role.ADMIN, Role.OPERATOR, Role.AGENT, Role.FINANCE}),
    Role.ADMIN: frozenset({Role.OPERATOR, Role.AGENT, Role.FINANCE}),
}
