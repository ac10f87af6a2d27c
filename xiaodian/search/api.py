from ninja import Query, Router

from . import selectors
from .schemas import SearchOut, SearchParams

router = Router(tags=["search"])


@router.get("/search", response=SearchOut, auth=None)
def search(request, params: Query[SearchParams]):
    """The stores tab (full name first, parts of it, the main category, pinyin and initials) or
    the products tab (title, category, store name; category and price filters)."""
    return selectors.search(**params.dict())
