"""Fixtures of the score's tests (the facts are written straight to the tables: facts.py)."""

from datetime import timedelta

import pytest

from xiaodian.stores.models import Store
from xiaodian.stores.rules import StoreState

from .facts import IN_WINDOW, Facts


@pytest.fixture
def facts(make_user) -> Facts:
    return Facts(make_user("scored_buyer"))


@pytest.fixture
def make_open_store(make_store, make_subject, make_user):
    """Open stores of their own merchants, in a category (女装 by default)."""

    def make(category: str = "女装", **kwargs) -> Store:
        owner = make_user()
        store = make_store(owner, make_subject(owner), category=category, **kwargs)
        Store.objects.filter(pk=store.pk).update(
            state=StoreState.OPEN, opened_at=IN_WINDOW - timedelta(days=400)
        )
        store.refresh_from_db()
        return store

    return make
