"""Score events, sent on commit. Search (and later the feed) copy the new traffic weights into
their own rows when they hear of them."""

from django.dispatch import Signal

weights_changed = Signal()  # store_ids=[...], or None after a full recompute
