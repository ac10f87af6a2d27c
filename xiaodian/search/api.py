from ninja import Query, Router

from xiaodian.accounts.auth import public_auth

from . import selectors
from .schemas import SearchOut, SearchParams

router = Router(tags=["search"])


@router.get("/search", response=SearchOut, auth=public_auth)
def search(request, params: Query[SearchParams]):
    """The stores tab (full name first, parts of it, the main category, pinyin and initials) or
    the products tab (title, category, store name; category and price filters)."""
    return selectors.search(**params.dict())
