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
    relevance: float = Field(
        description="Text relevance (BM25 on SQLite, ts_rank on PostgreSQL), × words_matched"
    )
    traffic_weight: float = Field(
        description="The store's traffic weight (1.0 until the store score sets it)"
    )
    freshness: float = Field(
        description="1.2 for a store opened or a product listed today, the 0.2 halving every 30 days"
    )
    exact_name: bool = Field(description="The query is the store's full name: it comes first")
    words_matched: float = Field(
        description="Share of the query's characters the document holds: 1.0 when it holds every "
        "word; those rank above the ones holding most of them"
    )
    sales: int | None = Field(None, description="Products: units sold, the tiebreaker")
    listed_products: int | None = Field(
        None, description="Stores: listed products; a store without any ranks below those with some"
    )


class BadgeOut(Schema):
    code: str
    name: str


class ResultOut(Schema):
    kind: str = Field(description='"store" or "product"')
    id: int
    title: str
    store_id: int
    store_name: str
    price_min_fen: int | None
    sales: int = Field(description="Products: units sold in paid orders")
    image_url: str = Field(description="Products: the first photo, or empty")
    product_count: int = Field(description="Stores: listed products")
    category_name: str = Field(description="Stores: the main category")
    store_score: str = Field(description='The store score ("4.86"), or empty before it has one')
    badges: list[BadgeOut]
    score: float = Field(description="relevance × traffic_weight × freshness (× 100 for an exact store name)")
    factors: FactorsOut
    url: str = Field(description="The page to open; a product's records scene 7 (search)")


class SearchOut(Schema):
    query: str = Field(description="The query as normalised")
    tab: str
    items: list[ResultOut]
    count: int = Field(description="Results found and ranked (at most about 400)")
    has_more: bool
    limit: int
    offset: int
