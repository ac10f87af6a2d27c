from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import ObjectId

from . import rules
from .rules import Tab


class SearchParams(Schema):
    q: str = Field(max_length=rules.QUERY_MAX, description="Chinese, pinyin, initials or Latin text")
    tab: Tab = Tab.STORES
    category: ObjectId | None = Field(None, description="A category id; its subcategories are included")
    min_price_fen: int | None = Field(None, ge=0, le=10**12, description="Products tab only")
    max_price_fen: int | None = Field(None, ge=0, le=10**12, description="Products tab only")
    limit: int = Field(20, ge=1, le=rules.PAGE_MAX)
    offset: int = Field(0, ge=0, lt=rules.CANDIDATES)


class FactorsOut(Schema):
    relevance: float = Field(description="Text relevance (BM25 on SQLite, ts_rank on PostgreSQL)")
    traffic_weight: float = Field(
        description="The store's traffic weight (1.0 until the store score sets it)"
    )
    exact_name: bool = Field(description="The query is the store's full name: it comes first")


class ResultOut(Schema):
    kind: str = Field(description='"store" or "product"')
    id: int
    title: str
    store_id: int
    price_min_fen: int | None
    score: float = Field(description="relevance × traffic_weight (× 100 for an exact store name)")
    factors: FactorsOut
    url: str = Field(description="The page to open; a product's records scene 7 (search)")


class SearchOut(Schema):
    query: str = Field(description="The query as normalised")
    tab: str
    items: list[ResultOut]
    has_more: bool
    limit: int
    offset: int
