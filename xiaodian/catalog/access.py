"""Products reached through their store's permission: `product_for` is `store_for` for a product.

No role in the product's store → 404 (as for a product that does not exist); a role without the
permission → 403.
"""

from xiaodian.accounts.models import User
from xiaodian.accounts.rules import Perm
from xiaodian.core.errors import DomainError
from xiaodian.core.permissions import require_user
from xiaodian.stores.access import store_for

from .models import Product


def product_for(user: User, product_id: int, perm: str = Perm.MANAGE_PRODUCTS) -> Product:
    require_user(user)
    product = Product.objects.select_related("category").filter(pk=product_id).first()
    if product is None:
        raise DomainError("not_found")
    product.store = store_for(user, product.store_id, perm)  # carries the viewer's role
    return product
