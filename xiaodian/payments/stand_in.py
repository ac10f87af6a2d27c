"""Where a local stand-in for WeChat Pay plugs into payments.

WeChat Pay is an outside service. The project ships a local stand-in for it, the
`wechatpay_sandbox` app, for the demo and the tests, and payments never imports it: the stand-in
registers itself here from its `AppConfig.ready()`. From then on payments reaches it only

- over the WeChat Pay v3 protocol, through transport.py, exactly like WeChat Pay itself (an empty
  BASE_URL means the stand-in served by this very application, called in-process), and
- for the merchant identity it issued: a key or id the merchant settings leave empty is taken
  from `identity(WECHATPAY["SANDBOX_DIR"])` (config.py).

With no stand-in installed, the merchant settings must be complete (config.py says which are not).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class MerchantIdentity(Protocol):
    """The keys and ids a WeChat Pay (or its stand-in) issues to a merchant."""

    mchid: str
    appid: str
    cert_serial_no: str
    public_key_id: str
    apiv3_key: str

    @property
    def merchant_private_key_path(self) -> Path: ...

    @property
    def platform_public_key_path(self) -> Path: ...


@dataclass(frozen=True)
class StandIn:
    name: str
    identity: Callable[[Path], MerchantIdentity]  # the identity kept in (or generated into) a directory


_registered: StandIn | None = None


def register(stand_in: StandIn) -> None:
    """Called once, from the stand-in's AppConfig.ready()."""
    global _registered
    _registered = stand_in


def registered() -> StandIn | None:
    return _registered
