"""Business contacts' policy (DOMAIN.md "Customer service", "Social graph and private domain";
docs/business.md): who may serve buyers as business contacts, and the customer-service modes a
legacy video store upgrades to."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.accounts.rules import Perm

# Staff who hold and message business contacts: the roles with customer service (owner, admin,
# agent; accounts.rules.ROLE_PERMS).
STAFF_PERM = Perm.CUSTOMER_SERVICE


class ServiceMode(models.TextChoices):
    """A store's customer service as business contacts see it. `legacy`: a legacy video store that
    has not upgraded its customer service (staff may write first to buyers who consented); the
    other two are xiaodian/service's modes."""

    LEGACY = "legacy", _("旧版客服（企业联系人）")
    WORKBENCH = "workbench", _("官方客服工作台")
    SELF_BUILT = "self_built", _("自建客服系统")


UPGRADE_MODES = (ServiceMode.WORKBENCH, ServiceMode.SELF_BUILT)
