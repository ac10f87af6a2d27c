"""The merchant's WeChat Pay settings (settings.WECHATPAY, from the XIAODIAN_WECHATPAY_* variables).

Every value left empty falls back to the local stand-in for WeChat Pay (the wechatpay_sandbox app,
registered in stand_in.py): the identity it issued (generated on first use into
WECHATPAY["SANDBOX_DIR"]) and, when no base URL is set, the stand-in inside this very process.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import stand_in

# The origin that means "this application, in-process" (transport.py). `.invalid` never resolves
# (RFC 2606), so a URL on it can only ever be answered in-process.
IN_PROCESS_ORIGIN = "http://in-process.invalid"
SANDBOX_PATH = "/sandbox/wechatpay"
NOTIFY_PATH = "/api/v1/payments/wechatpay/notify"


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    private_key: str
    cert_serial_no: str
    apiv3_key: str
    public_key: str
    public_key_id: str
    base_url: str
    notify_url: str
    sandbox_dir: Path

    @property
    def in_process(self) -> bool:
        return self.base_url.startswith(IN_PROCESS_ORIGIN)

    @property
    def uses_sandbox(self) -> bool:
        return self.in_process or self.base_url.rstrip("/").endswith(SANDBOX_PATH)


def current() -> WeChatPayConfig:
    values = settings.WECHATPAY
    return _load(tuple(sorted((key, str(value)) for key, value in values.items())))


_IDENTITY_KEYS = (
    "MCHID",
    "APPID",
    "PRIVATE_KEY_PATH",
    "CERT_SERIAL_NO",
    "APIV3_KEY",
    "PUBLIC_KEY_PATH",
    "PUBLIC_KEY_ID",
)


@lru_cache(maxsize=8)
def _load(items: tuple[tuple[str, str], ...]) -> WeChatPayConfig:
    values = dict(items)
    sandbox_dir = Path(values["SANDBOX_DIR"])
    missing = [key for key in (*_IDENTITY_KEYS, "BASE_URL") if not values.get(key)]
    local = stand_in.registered()
    if missing and local is None:
        names = ", ".join(f"XIAODIAN_WECHATPAY_{key}" for key in missing)
        raise ImproperlyConfigured(
            f"WeChat Pay is not configured and no local stand-in is installed: set {names}"
        )
    needs_identity = any(key in missing for key in _IDENTITY_KEYS)
    sandbox = local.identity(sandbox_dir) if needs_identity else None

    def pick(key: str, fallback: str) -> str:
        return values.get(key) or (getattr(sandbox, fallback) if sandbox else "")

    private_key_path = values.get("PRIVATE_KEY_PATH") or sandbox.merchant_private_key_path
    public_key_path = values.get("PUBLIC_KEY_PATH") or sandbox.platform_public_key_path
    base_url = (values.get("BASE_URL") or IN_PROCESS_ORIGIN + SANDBOX_PATH).rstrip("/")
    return WeChatPayConfig(
        mchid=pick("MCHID", "mchid"),
        appid=pick("APPID", "appid"),
        private_key=Path(private_key_path).read_text(),
        cert_serial_no=pick("CERT_SERIAL_NO", "cert_serial_no"),
        apiv3_key=pick("APIV3_KEY", "apiv3_key"),
        public_key=Path(public_key_path).read_text(),
        public_key_id=pick("PUBLIC_KEY_ID", "public_key_id"),
        base_url=base_url,
        notify_url=values.get("NOTIFY_URL") or IN_PROCESS_ORIGIN + NOTIFY_PATH,
        sandbox_dir=sandbox_dir,
    )
