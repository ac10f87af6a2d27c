"""The sandbox's keys and ids: a merchant key pair, a platform key pair, an APIv3 key, a mchid and
an appid. Generated once, on first use, into one directory (by default DATA_DIR/wechatpay), with
the file names WeChat Pay's own downloads use, so the merchant settings can point at them."""

import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

MERCHANT_PRIVATE_KEY = "apiclient_key.pem"  # what the merchant signs requests with
MERCHANT_PUBLIC_KEY = "apiclient_pub.pem"  # what the sandbox verifies them with
PLATFORM_PRIVATE_KEY = "platform_key.pem"  # what the sandbox signs answers and notifications with
PLATFORM_PUBLIC_KEY = "pub_key.pem"  # what the merchant verifies them with ("WeChat Pay public key")
IDS = "identity.json"


@dataclass(frozen=True)
class SandboxIdentity:
    directory: Path
    mchid: str
    appid: str
    cert_serial_no: str
    public_key_id: str
    apiv3_key: str
    merchant_public_key: str
    platform_private_key: str

    @property
    def merchant_private_key_path(self) -> Path:
        return self.directory / MERCHANT_PRIVATE_KEY

    @property
    def platform_public_key_path(self) -> Path:
        return self.directory / PLATFORM_PUBLIC_KEY


def _pem_pair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def _generate(directory: Path) -> None:
    """Write a fresh identity into a temporary directory, then rename it into place: two processes
    starting at once end up sharing whichever identity landed first."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".wechatpay-", dir=directory.parent))
    try:
        merchant_private, merchant_public = _pem_pair()
        platform_private, platform_public = _pem_pair()
        for name, content in (
            (MERCHANT_PRIVATE_KEY, merchant_private),
            (MERCHANT_PUBLIC_KEY, merchant_public),
            (PLATFORM_PRIVATE_KEY, platform_private),
            (PLATFORM_PUBLIC_KEY, platform_public),
        ):
            (staging / name).write_bytes(content)
        ids = {
            "mchid": f"19{secrets.randbelow(10**8):08d}",
            "appid": f"wx{secrets.token_hex(8)}",
            "cert_serial_no": secrets.token_hex(20).upper(),
            "public_key_id": f"PUB_KEY_ID_{secrets.randbelow(10**28):028d}",
            "apiv3_key": secrets.token_hex(16),  # 32 ASCII characters, the AES-256 key
        }
        (staging / IDS).write_text(json.dumps(ids, indent=2))
        for name in (MERCHANT_PRIVATE_KEY, PLATFORM_PRIVATE_KEY, IDS):
            (staging / name).chmod(0o600)
        staging.chmod(0o700)
        os.rename(staging, directory)
    except OSError:
        if not (directory / IDS).exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@cache
def load(directory: Path) -> SandboxIdentity:
    """The identity kept in `directory`, generated there first if there is none yet."""
    directory = Path(directory)
    if not (directory / IDS).exists():
        _generate(directory)
    ids = json.loads((directory / IDS).read_text())
    return SandboxIdentity(
        directory=directory,
        merchant_public_key=(directory / MERCHANT_PUBLIC_KEY).read_text(),
        platform_private_key=(directory / PLATFORM_PRIVATE_KEY).read_text(),
        **ids,
    )
