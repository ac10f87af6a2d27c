"""Tables of traffic distribution (docs/distribution.md, "The feed").

`FeedItem` is the one candidate table the feed and the live square read: a row per product, short
video, live room and article, with what ranking needs copied in (store, creator, category,
published time, likes, the creator's followers, whether its store is new or small), so one indexed
range scan per candidate pool answers without touching the source apps' tables. `StoreReach` holds
the per-store aggregates (traffic weight, the 30-day private-domain share and its boost), refreshed
daily. `FriendProof` is the fan-out of contacts' likes and purchases to each of their contacts, so
"what my 10,000 contacts liked" is one index range of my own rows. `ServedPage` is the exposure
log: one row per page served, its items as packed arrays."""

import numpy as np
from django.db import models
from django.db.models import Q

from xiaodian.accounts.models import User
from xiaodian.stores.models import Store

from .rules import Creator, Kind, Surface

VISIBLE = Q(visible=True)


class FeedItem(models.Model):
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    object_id = models.BigIntegerField()
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    creator_type = models.PositiveSmallIntegerField(choices=Creator.choices)
    creator_id = models.BigIntegerField()
    category_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    image = models.CharField(max_length=500, blank=True)  # a URL under /media/, or ""
    price_fen = models.BigIntegerField(null=True, blank=True)  # a product's lowest price
    published_at = models.DateTimeField()
    likes = models.PositiveIntegerField(default=0)
    followers = models.PositiveIntegerField(default=0)  # the creator's: ranking reads it, nobody sees it
    on_air = models.BooleanField(default=False)  # a live room broadcasting now
    explore = models.BooleanField(default=False)  # its store is new or small (StoreReach)
    visible = models.BooleanField(default=True)  # delisted, unpublished, ended: out of every pool

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="feeditem_once"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="feeditem_kind_known"),
        ]
        indexes = [
            # the newest items; the follows pool filters them by creator from the index alone (its
            # key holds the creator and the id: covering on SQLite too, which has no INCLUDE)
            models.Index(
                fields=["-published_at", "creator_type", "creator_id", "id"],
                condition=VISIBLE,
                name="feeditem_fresh",
            ),
            models.Index(fields=["store", "-published_at"], condition=VISIBLE, name="feeditem_store"),
            models.Index(
                fields=["creator_type", "creator_id", "-published_at"],
                condition=VISIBLE,
                name="feeditem_creator",
            ),
            models.Index(
                fields=["-published_at"], condition=VISIBLE & Q(explore=True), name="feeditem_explore"
            ),
            models.Index(
                fields=["-on_air", "-published_at"],
                condition=VISIBLE & Q(kind=Kind.LIVE),
                name="feeditem_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id}"


class StoreReach(models.Model):
    """A store's per-store ranking aggregates, refreshed daily (`services.refresh_store_reach`)."""

    store = models.OneToOneField(Store, primary_key=True, on_delete=models.CASCADE, related_name="+")
    traffic_weight = models.FloatField(default=1.0)  # the score's (scoring.CurrentScore), 1.0 unscored
    paid_orders = models.PositiveIntegerField(default=0)  # paid in the last 30 days
    private_orders = models.PositiveIntegerField(default=0)  # of them, through scenes 9–13
    boosted = models.BooleanField(default=False)  # the private-domain incentive applies
    small_or_new = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.store_id} × {self.traffic_weight}"

    @property
    def private_share(self) -> float:
        return self.private_orders / self.paid_orders if self.paid_orders else 0.0


class FriendProof(models.Model):
    """`friend`, a contact of `viewer`, liked or bought `item` at `at`: a row per (viewer, item,
    friend), so a lost or repeated fan-out counts each friend once."""

    LIKED, BOUGHT = 1, 2
    viewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    item = models.ForeignKey(FeedItem, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    friend_id = models.BigIntegerField()
    verb = models.PositiveSmallIntegerField(choices=[(LIKED, "liked"), (BOUGHT, "bought")])
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["viewer", "item", "friend_id"], name="friendproof_once")
        ]
        indexes = [models.Index(fields=["viewer", "-at"], name="friendproof_recent")]

    def __str__(self) -> str:
        return f"{self.friend_id} → {self.viewer_id}: {self.item_id}"


class ServedPage(models.Model):
    """One page of the feed or the live square as served: who (None: signed out), where, when,
    the rank of its first item, and its items as packed little-endian arrays (kinds uint8, object
    ids int64, store ids int64, flags uint8: 1 explore, 2 incentive boost). A page of 20 is one row
    of ~380 bytes instead of 20 rows; the daily concentration reads a day's rows and unpacks them
    with numpy. The page's id is the impression an order of scene 8 names as its source."""

    EXPLORE, BOOSTED = 1, 2
    viewer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    session_id = models.BigIntegerField(null=True, blank=True)  # the chain's first page (None: this one)
    surface = models.PositiveSmallIntegerField(choices=Surface.choices)
    served_at = models.DateTimeField()
    first_rank = models.PositiveIntegerField(default=1)
    kinds = models.BinaryField()
    object_ids = models.BinaryField()
    stores = models.BinaryField()
    flags = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["served_at"], name="servedpage_day"),
            models.Index(
                fields=["session_id"], condition=Q(session_id__isnull=False), name="servedpage_session"
            ),
        ]

    def __str__(self) -> str:
        return f"page {self.pk} ({self.get_surface_display()})"

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "kinds": np.frombuffer(bytes(self.kinds), dtype="<u1"),
            "objects": np.frombuffer(bytes(self.object_ids), dtype="<i8"),
            "stores": np.frombuffer(bytes(self.stores), dtype="<i8"),
            "flags": np.frombuffer(bytes(self.flags), dtype="<u1"),
        }


class DailyExposure(models.Model):
    """A day's exposure concentration on one surface (Asia/Shanghai days)."""

    day = models.DateField()
    surface = models.PositiveSmallIntegerField(choices=Surface.choices)
    impressions = models.PositiveIntegerField()
    stores = models.PositiveIntegerField()  # stores shown at least once
    gini = models.FloatField()
    top_share = models.FloatField()  # of impressions, to the top 1% of the shown stores
    small_share = models.FloatField()  # to new and small stores
    boost_share = models.FloatField()  # to stores with the private-domain boost
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "surface"], name="dailyexposure_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_surface_display()}: gini {self.gini}"


class Watermark(models.Model):
    """How far a sweep has read a source table (likes, content, live rooms)."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"
