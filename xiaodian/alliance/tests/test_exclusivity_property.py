"""A property: whatever sequence of plan creations, stops and time passing a store goes through, a
product never has a live-or-scheduled open plan beside a live-or-scheduled exclusive one, nor two
open plans, nor a targeted plan created without a live open plan; a refusal writes nothing."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaodian.alliance import selectors, services
from xiaodian.alliance.models import Plan
from xiaodian.alliance.rules import PlanKind
from xiaodian.core import clock
from xiaodian.core.errors import DomainError

steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(PlanKind.values), st.integers(0, 2), st.booleans()),
        st.tuples(st.just("stop"), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.integers(1, 3)),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_plan_types_never_collide(enabled, merchant, make_sku, make_promoter, steps):
    product = make_sku(enabled, title="性质").product
    listed = make_promoter(kind="sharer")
    moment = clock.now()
    for step in steps:
        if step[0] == "wait":
            moment += timedelta(days=step[1])
            continue
        with clock.travel_to(moment):
            now = clock.now()
            if step[0] == "create":
                _, kind, starts_in, ends = step
                before = Plan.objects.filter(product=product).count()
                live_open = Plan.objects.filter(
                    selectors.live_q(now), product=product, kind=PlanKind.OPEN
                ).exists()
                try:
                    services.create_plans(
                        store=enabled,
                        by=merchant,
                        product_ids=[product.pk],
                        kind=kind,
                        commission_ratio_ppm=100_000,
                        starts_at=now + timedelta(days=starts_in),
                        ends_at=now + timedelta(days=starts_in + 2) if ends else None,
                        promoter_ids=[listed.pk] if kind != PlanKind.OPEN else [],
                    )
                except DomainError:
                    assert Plan.objects.filter(product=product).count() == before
                else:
                    assert kind != PlanKind.TARGETED or live_open
            else:
                plans = list(Plan.objects.filter(product=product).order_by("pk"))
                if plans:
                    refusal = ""
                    try:
                        services.stop_plan(plan_id=plans[step[1] % len(plans)].pk, by=merchant)
                    except DomainError as exc:
                        refusal = exc.code
                    assert refusal in ("", "alliance_plan_not_live")
            active = list(
                Plan.objects.filter(selectors.active_q(now), product=product).values_list("kind", flat=True)
            )
            assert active.count(PlanKind.OPEN) <= 1
            assert active.count(PlanKind.EXCLUSIVE) <= 1
            assert not (PlanKind.OPEN in active and PlanKind.EXCLUSIVE in active), active
