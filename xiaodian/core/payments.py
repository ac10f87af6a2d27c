"""The payment gateway interface that lower layers pay through.

Stores take deposits, and stores sit below the payments app, so the interface lives in the
kernel and the implementation is registered into the `payment_gateway` extension point by the
app that has one: the payments app registers `WeChatPayGateway` when it loads
(`PaymentsConfig.ready()`). With nothing registered, `InternalGateway` answers: it settles at
once and keeps its own ledger in memory-free form (the charge id is the record). Tests swap it
with `payment_gateway.override(...)`.
"""

import secrets
from dataclasses import dataclass

from .extensions import ExtensionPoint


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


# A factory of gateways (a gateway class, usually): called once for each `gateway()`.
payment_gateway: ExtensionPoint[[], PaymentGateway] = ExtensionPoint(
    "core.payment_gateway", default=InternalGateway
)


def gateway() -> PaymentGateway:
    """The gateway deposits are charged and refunded through."""
    return payment_gateway()
