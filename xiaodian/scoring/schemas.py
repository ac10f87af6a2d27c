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


class HistoryPointOut(Schema):
    date: date
    score: Decimal | None


class HistoryOut(Schema):
    store_id: int
    days: int
    points: list[HistoryPointOut]


class HistoryParams(Schema):
    days: int = Field(90, ge=1, le=366)
