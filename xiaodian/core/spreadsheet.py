"""CSV files for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Chinese), written by the
csv module, answered as an attachment."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

BOM = "\ufeff"


def csv_text(rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return BOM + buffer.getvalue()


def csv_attachment(rows: Iterable[Sequence], filename: str) -> HttpResponse:
    response = HttpResponse(csv_text(rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
