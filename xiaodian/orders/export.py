"""The store's orders as CSV for spreadsheets, streamed: UTF-8 with a byte-order mark (so Excel
reads the Chinese headers), a header row in the reader's language, then one row per order, written
as the rows are read (`selectors.export_orders`, a chunk at a time), so an export of any size never
sits in memory whole. Amounts are yuan with two decimals (exact, from integer fen); times are in
the site's time zone. The page and the API answer the same file.

Everything in the reader's language (the header, status and carrier names) is settled before the
first row is read, so the rows can be made wherever the server iterates them. Under ASGI, Django
would read a plain iterator into a list before sending it; there the rows go out through an async
iterator that makes EXPORT_CHUNK of them at a time in the request's sync thread."""

import csv
import itertools
from collections.abc import AsyncIterator, Iterable, Iterator

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from xiaodian.core.money import plain_yuan

from .models import Order
from .rules import EXPORT_CHUNK, Status, carrier_name

BOM = "\ufeff"
# A cell a spreadsheet would run as a formula (CSV injection): such text gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    return [
        _("订单号"),
        _("下单时间"),
        _("状态"),
        _("买家"),
        _("收货人"),
        _("手机号"),
        pgettext("column", "收货地址"),
        pgettext("column", "商品"),
        _("件数"),
        _("商品金额（元）"),
        _("运费（元）"),
        _("优惠（元）"),
        _("实付金额（元）"),
        _("付款时间"),
        _("最晚发货时间"),
        _("发货时间"),
        _("快递公司"),
        _("运单号"),
        _("买家留言"),
    ]


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


class _Labels:
    """The reader's words for statuses and carriers, looked up once for the whole file."""

    def __init__(self) -> None:
        language = get_language() or ""
        self.header = header()
        self.status = {status.value: str(status.label) for status in Status}
        self.carrier = lambda shipment: carrier_name(shipment.carrier_code, language) or shipment.carrier


def row(order: Order, labels: _Labels) -> list[str]:
    address = order.address or {}
    lines = list(order.lines.all())
    shipments = list(order.shipments.all())
    goods = "; ".join(
        f"{line.title}{f'（{spec}）' if spec else ''} × {line.quantity}"
        for line in lines
        for spec in [" / ".join(str(v) for v in line.specs.values())]
    )
    return [
        order.number,
        _time(order.created_at),
        labels.status.get(order.status, str(order.status)),
        _text(str(order.buyer)),
        _text(address.get("recipient", "")),
        address.get("phone", ""),
        _text(address.get("region", "") + address.get("detail", "")),
        _text(goods),
        str(sum(line.quantity for line in lines)),
        plain_yuan(order.goods_fen),
        plain_yuan(order.shipping_fen),
        plain_yuan(order.discount_fen),
        plain_yuan(order.total_fen),
        _time(order.paid_at),
        _time(order.ship_by),
        _time(order.shipped_at),
        "; ".join(labels.carrier(s) for s in shipments),
        "; ".join(s.tracking_no for s in shipments),
        _text(order.note),
    ]


class _Echo:
    """A file that hands back what is written to it, for csv.writer to make one line at a time."""

    def write(self, value: str) -> str:
        return value


def lines(orders: Iterable[Order], labels: _Labels) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(labels.header)
    for order in orders:
        yield writer.writerow(row(order, labels))


async def _in_chunks(rows: Iterator[str]) -> AsyncIterator[str]:
    take = sync_to_async(lambda: "".join(itertools.islice(rows, EXPORT_CHUNK)))
    while chunk := await take():
        yield chunk


def csv_response(orders: Iterable[Order], filename: str, *, asgi: bool = False) -> StreamingHttpResponse:
    """The file, streamed; `asgi` (the request came through ASGI) streams it asynchronously."""
    rows = lines(orders, _Labels())
    response = StreamingHttpResponse(
        _in_chunks(rows) if asgi else rows, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
