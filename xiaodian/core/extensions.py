"""Extension points: how a lower app lets a higher one supply part of its work.

An app may import only the apps below it (ARCHITECTURE.md "Layers"), yet some of its work needs
an app above: content shows product cards, but products belong to the catalog. Instead of naming
the higher function in settings (a dotted path the import-layer contract cannot see), the lower
app declares a typed slot beside the code that uses it, and the higher app registers into it
from its `AppConfig.ready()`:

    # content/cards.py (lower): the slot, typed by its default, which answers when none is registered
    product_card_resolver = ExtensionPoint("content.product_card_resolver", default=_no_products)

    # catalog/apps.py (higher), in CatalogConfig.ready()
    cards.product_card_resolver.register(selectors.product_cards)

    # content, at work
    cards.product_card_resolver(ids)

`ExtensionPoint` holds one provider: a second, different one is refused with `AlreadyRegistered`
(two apps silently racing for one job is a bug). `ExtensionList` holds any number, kept in the
order they registered (e.g. the entries of a profile, one per app). Registering the same provider
again is a no-op for both, since Django may call `ready()` more than once in tests.

Tests swap what is registered with `override(...)`, a context manager that restores it on exit.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class AlreadyRegistered(ImproperlyConfigured):
    """A single-provider extension point was offered a second, different provider."""


class ExtensionPoint(Generic[P, R]):
    """A slot for one function (or class) of the default's signature; calling the slot calls the
    registered provider, or the default when none is registered."""

    def __init__(self, name: str, *, default: Callable[P, R]) -> None:
        self.name = name
        self.default = default
        self._provider: Callable[P, R] | None = None

    def __repr__(self) -> str:
        return f"<ExtensionPoint {self.name}: {self.provider!r}>"

    @property
    def provider(self) -> Callable[P, R]:
        """What answers a call: the registered provider, else the default."""
        return self._provider if self._provider is not None else self.default

    @property
    def registered(self) -> bool:
        return self._provider is not None

    def register(self, provider: Callable[P, R]) -> Callable[P, R]:
        """Make `provider` answer this slot. Returns it, so it can serve as a decorator."""
        if self._provider is not None and self._provider is not provider:
            raise AlreadyRegistered(
                f"extension point {self.name!r} already has {self._provider!r}; refused {provider!r}"
            )
        self._provider = provider
        return provider

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.provider(*args, **kwargs)

    @contextmanager
    def override(self, provider: Callable[P, R] | None) -> Iterator[None]:
        """For tests: `provider` answers inside the block (None: as if nothing were registered, so
        the default answers); what was registered before comes back on exit."""
        saved, self._provider = self._provider, provider
        try:
            yield
        finally:
            self._provider = saved


class ExtensionList(Generic[T]):
    """A slot for any number of items (functions, or descriptions of them), in the order they were
    registered; empty when none is."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: list[T] = []

    def __repr__(self) -> str:
        return f"<ExtensionList {self.name}: {self._items!r}>"

    def register(self, item: T) -> T:
        """Add `item` after those already registered (once: the same item again is ignored)."""
        if not any(existing is item for existing in self._items):
            self._items.append(item)
        return item

    def __iter__(self) -> Iterator[T]:
        return iter(tuple(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @contextmanager
    def override(self, *items: T) -> Iterator[None]:
        """For tests: exactly `items` are registered inside the block; the list comes back on exit."""
        saved, self._items = self._items, list(items)
        try:
            yield
        finally:
            self._items = saved
