from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

from xiaodian.core.pagination import SafeDate
from xiaodian.core.scenes import PRIVATE_DOMAIN, Scene


class ReportParams(Schema):
    from_: SafeDate | None = Field(
        None, alias="from", description="first day (Asia/Shanghai); default: 29 days before `to`"
    )
    to: SafeDate | None = Field(None, description="last day, included; default: today")
    format: Literal["json", "csv"] = Field("json", description="`csv`: text/csv, one row per day")


class FiguresOut(Schema):
    gmv_fen: int
    orders: int


class SceneOut(Schema):
    scene: int
    label: str
    domain: Literal["public", "private"]


class TotalsOut(Schema):
    gmv_fen: int
    orders: int
    created_orders: int
    refund_fen: int
    refunded_orders: int
    by_scene: dict[int, FiguresOut]
    public: FiguresOut
    private: FiguresOut


class DayOut(TotalsOut):
    date: date


class RatesOut(Schema):
    orders_created: int
    orders_created_paid: int
    orders_paid: int
    paid_rate: float | None
    gmv_fen: int
    refund_fen: int
    refunded_orders: int
    refund_amount_rate: float | None
    refund_order_rate: float | None


class ReportOut(Schema):
    store_id: int
    from_: date = Field(validation_alias="start", serialization_alias="from")
    to: date = Field(validation_alias="end")
    scenes: list[SceneOut]
    days: list[DayOut]
    totals: TotalsOut
    rates: RatesOut

    @staticmethod
    def resolve_scenes(report) -> list[dict]:
        return [
            {
                "scene": s.value,
                "label": str(s.label),
                "domain": "private" if s in PRIVATE_DOMAIN else "public",
            }
            for s in Scene
        ]
