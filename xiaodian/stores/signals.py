"""Store events, sent on commit. Writes that go through `QuerySet.update` send no `post_save`, so
apps above (search) learn of a store's name, category or state changing here."""

from django.dispatch import Signal

store_changed = Signal()  # store_ids=[...]
