"""Stock never goes negative and units are conserved, whatever sequence of takes and releases
(property-based: hypothesis draws the sequences)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.catalog import services
from xiaodian.catalog.models import SKU
from xiaodian.core.errors import DomainError

START = (3, 0, 7)

# One step: take several (sku index, quantity) lines at once, all or nothing, or release them.
lines = st.lists(
    st.tuples(st.integers(0, len(START) - 1), st.integers(1, 6)),
    min_size=1,
    max_size=3,
    unique_by=lambda t: t[0],
)
steps = st.lists(st.tuples(st.sampled_from(["take", "release"]), lines), max_size=25)


@pytest.fixture
def sku_ids(product):
    SKU.objects.filter(product=product).delete()
    return [
        SKU.objects.create(product=product, specs={"编号": str(i)}, price_fen=100, stock=0).pk
        for i in range(len(START))
    ]


def stock_of(ids) -> dict[int, int]:
    return dict(SKU.objects.filter(pk__in=ids).values_list("pk", "stock"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_stock_never_goes_negative_and_units_are_conserved(sku_ids, steps):
    for sku_id, units in zip(sku_ids, START, strict=True):  # every example starts from the same stock
        SKU.objects.filter(pk=sku_id).update(stock=units)
    expected = dict(zip(sku_ids, START, strict=True))
    taken = released = 0
    for kind, wanted in steps:
        request = [(sku_ids[i], quantity) for i, quantity in wanted]
        units = sum(quantity for _, quantity in request)
        if kind == "release":
            services.release_stock(request)
            for sku_id, quantity in request:
                expected[sku_id] += quantity
            released += units
        else:
            if all(expected[sku_id] >= quantity for sku_id, quantity in request):
                with transaction.atomic():
                    services.take_stock(request)
                for sku_id, quantity in request:
                    expected[sku_id] -= quantity
                taken += units
            else:
                with pytest.raises(DomainError, match="out_of_stock"), transaction.atomic():
                    services.take_stock(request)  # the caller's transaction: every line or none
        actual = stock_of(sku_ids)
        assert actual == expected
        assert min(actual.values()) >= 0
    assert sum(stock_of(sku_ids).values()) == sum(START) - taken + released
