"""The base of the pages' forms: no label suffix, and a service's refusal shown next to the field
it names (`field` "items.0.quantity" → the form's "items"; a form's `field_aliases` maps a
service's name to the form's: "live_price_fen" → "live_price"). And `YuanField`: people type money
in yuan, the services take integer fen."""

from decimal import Decimal

from django import forms

from .errors import DomainError
from .money import FEN_PER_YUAN, yuan_to_fen


class YuanField(forms.DecimalField):
    """An amount typed in yuan (to the fen: "19.9", "19.90"), cleaned to integer fen."""

    def __init__(self, *, min_fen: int = 1, max_fen: int, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
        super().__init__(
            max_digits=12,
            decimal_places=2,
            min_value=Decimal(min_fen) / FEN_PER_YUAN,
            max_value=Decimal(max_fen) / FEN_PER_YUAN,
            **kwargs,
        )

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else yuan_to_fen(amount)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):  # fen, shown to the fen: "20.00"
            return (Decimal(value) / FEN_PER_YUAN).quantize(Decimal("0.01"))
        return value


class DomainErrorForm(forms.Form):
    field_aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, exc: DomainError) -> None:
        field = (exc.field or "").split(".")[0]
        field = self.field_aliases.get(field, field)
        self.add_error(field if field in self.fields else None, exc.message)
