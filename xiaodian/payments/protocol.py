"""The WeChat Pay API v3 signing and encryption rules, shared by the merchant side (gateway.py)
and the sandbox. RSA-SHA256 (PKCS#1 v1.5) signatures, base64-encoded, over newline-terminated
lines; AEAD_AES_256_GCM with the APIv3 key for notification resources. Signing and decryption use
the SDK's helpers; verification is strict about base64, so that no second spelling of a signature
verifies."""

import base64
import binascii
import json
import re
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from wechatpayv3.utils import aes_decrypt, load_private_key, load_public_key, rsa_sign

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
ALGORITHM = "AEAD_AES_256_GCM"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


def message(*lines: str) -> str:
    """What gets signed: each line followed by a newline."""
    return "".join(f"{line}\n" for line in lines)


def new_nonce() -> str:
    return secrets.token_hex(16).upper()


@lru_cache(maxsize=16)
def private_key(pem: str):
    return load_private_key(pem)


@lru_cache(maxsize=16)
def public_key(pem: str):
    return load_public_key(pem)


def sign(private_pem: str, text: str) -> str:
    return rsa_sign(private_key(private_pem), text)


def verify(public_pem: str, text: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    if base64.b64encode(raw).decode("ascii") != signature:  # one spelling only
        return False
    try:
        public_key(public_pem).verify(raw, text.encode("utf-8"), PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict:
    nonce = secrets.token_urlsafe(9)[:12]  # 12 characters, used as 12 bytes
    sealed = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return {
        "algorithm": ALGORITHM,
        "ciphertext": base64.b64encode(sealed).decode("ascii"),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def decrypt(apiv3_key: str, resource: dict) -> str | None:
    """The resource's plaintext, or None when it does not open with the key."""
    if resource.get("algorithm") != ALGORITHM:
        return None
    fields = (resource.get("nonce"), resource.get("ciphertext"), resource.get("associated_data", ""))
    if not all(isinstance(f, str) for f in fields) or not fields[0] or not fields[1]:
        return None
    try:
        return aes_decrypt(
            nonce=fields[0], ciphertext=fields[1], associated_data=fields[2], apiv3_key=apiv3_key
        )
    except (binascii.Error, ValueError):
        return None


def parse_authorization(value: str) -> dict[str, str] | None:
    """`WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",timestamp="..",serial_no=".."`."""
    scheme, _, rest = value.partition(" ")
    if scheme != SIGNATURE_TYPE:
        return None
    fields = dict(_AUTH_FIELD.findall(rest))
    if not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= fields.keys():
        return None
    return fields


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
