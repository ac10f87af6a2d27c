"""The payment gateway interface that lower layers pay through.

Stores take deposits before the payments app exists, so the interface lives in the kernel and
the implementation is chosen by `settings.PAYMENT_GATEWAY`. `InternalGateway` settles at once and
keeps its own ledger in memory-free form (the charge id is the record); the commerce work plugs
WeChat Pay v3 in behind the same two calls.
"""

import secrets
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Charge:
    transaction_id: str
    status: str  # "succeeded" | "pending" | "failed"
    pay_url: str = ""


class PaymentGateway:
    def charge(self, *, reference: str, amount_fen: int, description: str) -> Charge:
        raise NotImplementedError

    def refund(self, *, transaction_id: str, amount_fen: int, reason: str) -> Charge:
        raise NotImplementedError


class InternalGateway(PaymentGateway):
    """Platform-internal settlement: every charge and refund succeeds at once."""

    def charge(self, *, reference: str, amount_fen: int, description: str) -> Charge:
        if amount_fen <= 0:
            raise ValueError("a charge needs a positive amount")
        return Charge(transaction_id=f"INT{secrets.token_hex(12).upper()}", status="succeeded")

    def refund(self, *, transaction_id: str, amount_fen: int, reason: str) -> Charge:
        return Charge(transaction_id=f"INTR{secrets.token_hex(11).upper()}", status="succeeded")


@cache
def _gateway_class(path: str) -> type[PaymentGateway]:
    return import_string(path)


def gateway() -> PaymentGateway:
    return _gateway_class(settings.PAYMENT_GATEWAY)()
