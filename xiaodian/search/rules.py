"""Search's policy numbers (docs/search.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaodian.orders.rules import Status
from xiaodian.scoring.rules import NO_SCORE_WEIGHT

QUERY_MAX = 50  # characters of a query
QUERY_RUNS_MAX = 8  # runs of Chinese or Latin text a query is cut into
QUERY_CHARS_MAX = 20  # characters of one run that count
QUERY_WORDS_MAX = 6  # words of a query that count (each may be left out once: "most terms")
VOCABULARY_FREQ = 50_000  # jieba's frequency for the catalog's own words (keeps them whole)
VOCABULARY_TTL_S = 60.0  # how often a process learns the names added since
PINYIN_CHARS_MAX = 16  # a store name's characters turned into pinyin terms

# The matches a query ranks: the first this many the index yields (in index order), scored and
# multiplied by their stores' traffic weight. Fewer matches than this are ranked exactly.
CANDIDATES = 400
# A query whose every word matches fewer documents than this also looks for documents that hold
# most of its words (text.Query.relaxed), each such query reading at most RELAXED_CANDIDATES.
RELAX_BELOW = 20
RELAXED_CANDIDATES = 100
# Still fewer: a word jieba glued from characters it does not know (a misspelling) is also looked
# for character by character, and with one of them left out (text.Query.split): for words of at
# most SPLIT_CHARS_MAX characters, at most SPLIT_QUERIES_MAX queries.
SPLIT_CHARS_MAX = 4
SPLIT_QUERIES_MAX = 6
PAGE_MAX = 50

# Field weights in the text relevance: a hit in the name or title counts this much more than one
# in the category or store name.
PRIMARY_WEIGHT = 10.0
SECONDARY_WEIGHT = 2.0
EXACT_NAME_BOOST = 100.0  # the store whose full name is the query comes first

# Freshness: a store just opened or a product just listed weighs up to 1 + FRESH_BOOST, the boost
# halving every FRESH_HALF_LIFE_DAYS (1.0 without a date).
FRESH_BOOST = 0.2
FRESH_HALF_LIFE_DAYS = 30.0
# Scores within 1 / 10^SCORE_DIGITS of the best score of each other are tied; the product that
# sold more goes first.
SCORE_DIGITS = 4
# Orders whose units count as sold (paid, not cancelled).
SOLD_STATUSES = (Status.GIFT_PENDING, Status.TO_SHIP, Status.PARTLY_SHIPPED, Status.SHIPPED, Status.COMPLETED)

DEFAULT_TRAFFIC_WEIGHT = NO_SCORE_WEIGHT  # a store without a score: the score's own rule


class Tab(models.TextChoices):
    STORES = "stores", _("店铺")
    PRODUCTS = "products", _("商品")
