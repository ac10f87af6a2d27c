"""Traffic distribution's policy numbers (DOMAIN.md "Traffic distribution"; docs/distribution.md).

One copy each: the ranking (`ranking.Policy.default()`), the feed and `xiaodian simulate` read them
from here."""

PAGE_SIZE = 20  # items on one feed page

# "Not only for the top": no store and no creator takes more than this share of one page.
CREATOR_CAP = 0.20
# A share of each page goes to new and small stores (exploration).
EXPLORE_SHARE = 0.15
# Reach grows with diminishing returns on followers: "log" is 1 + log(1 + followers).
FOLLOWER_REACH = "log"

# Private-domain incentive: a store whose private-domain share of paid orders over the window is at
# least PRIVATE_MIN_SHARE, with at least PRIVATE_MIN_ORDERS such orders, is boosted ×PRIVATE_BOOST.
PRIVATE_BOOST = 1.2
PRIVATE_MIN_SHARE = 0.20
PRIVATE_MIN_ORDERS = 10
PRIVATE_WINDOW_DAYS = 30

# Freshness: 1 for an item just published, halving towards FRESH_FLOOR every half-life.
FRESH_HALF_LIFE_HOURS = 72.0
FRESH_FLOOR = 0.2
# Social proof: 1 + SOCIAL_WEIGHT × log(1 + contacts who liked or bought the item).
SOCIAL_WEIGHT = 0.5
