from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class MetricOut(Schema):
    name: str
    label: str
    direction: str = Field(description="lower or higher (is better)")
    unit: str = Field(description="rate (0–1) or hours")
    value: float | None
    numerator: int | None
    denominator: int | None
    smoothed: float | None = Field(
        None,
        description="The value banded: (numerator + prior × median) / (denominator + prior), "
        "pulled toward the benchmark by the sample size",
    )
    prior: int | None = Field(None, description="The smoothing's weight in samples")
    median: float | None = Field(description="The benchmark's median (category, platform or default)")
    top: float | None = Field(description="The benchmark's top-decile value")
    median_floor: float | None = Field(
        None, description="The smallest median banded against (a median of 0 is never a divisor)"
    )
    benchmark: str = Field(
        description="category; platform when the category has fewer than 20 scored stores; "
        "default (the operator's published benchmarks) when the platform has fewer than 20"
    )
    band: str | None = Field(description="top | good | fair | poor")
    band_label: str | None
    sub_score: float | None = Field(description="3.0–5.0")
    advice: str


class DimensionOut(Schema):
    name: str
    label: str
    weight: float
    score: float | None
    metrics: list[MetricOut]


class BadgeOut(Schema):
    code: str
    name: str


class NextStepOut(Schema):
    metric: str
    label: str
    advice: str


class ScoreOut(Schema):
    store_id: int
    score: Decimal | None = Field(description="null: no score yet (fewer than 30 qualifying orders)")
    version: int = Field(description="The formula version the score was computed with")
    as_of: date | None
    computed_at: datetime | None
    qualifying_orders: int
    threshold: int
    traffic_weight: float
    badges: list[BadgeOut]
    dimensions: list[DimensionOut]
    next: NextStepOut | None = Field(description="The metric to improve first")


class WeightPartOut(Schema):
    part: str = Field(description="`score` (the score's band) or a badge's code")
    label: str
    weight: float


class ChangeOut(Schema):
    metric: str
    label: str
    before: float | None
    after: float | None
    up: bool


class PreviousOut(Schema):
    as_of: date
    score: Decimal | None


class ConditionOut(Schema):
    name: str
    label: str
    value: float | int | str | None
    op: str = Field(description="`>=`, `>`, `==` or `<=`: the value must stand so to the threshold")
    threshold: float | int | str | None
    ok: bool
    gap: float | None = Field(description="How far the value is from the threshold; null when it holds")
    value_shown: str
    threshold_shown: str
    gap_shown: str


class BadgeCheckOut(Schema):
    code: str
    name: str
    state: str = Field(description="`has`, `lacks`, or `lost` (held at the previous score)")
    quarterly: bool = Field(description="Decided once a quarter (the brand badge)")
    carried: bool = Field(description="Kept, or waiting, until the next quarter's decision")
    conditions: list[ConditionOut]


class ExplainOut(ScoreOut):
    weight_parts: list[WeightPartOut] = Field(description="The traffic weight as its parts; they sum to it")
    previous: PreviousOut | None = Field(description="The store's previous score under the same formula")
    changes: list[ChangeOut] = Field(
        description="Each metric whose sub-score changed since the previous score"
    )
    badges_gained: list[str]
    badges_lost: list[str]
    badge_checks: list[BadgeCheckOut]


class HistoryPointOut(Schema):
    date: date
    score: Decimal | None


class HistoryOut(Schema):
    store_id: int
    days: int
    points: list[HistoryPointOut]


class HistoryParams(Schema):
    days: int = Field(90, ge=1, le=366)
