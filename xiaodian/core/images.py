"""Checks on uploaded pictures that are platform rules, not formats: DOMAIN.md "Live rooms" keeps
QR codes out of covers (orders stay on the platform). zxing-cpp reads them."""

import io

import zxingcpp
from PIL import Image

from .errors import DomainError

# A picture is scanned at up to this many pixels a side: a QR code a person could scan from the
# cover survives the downscale, and a 4096-pixel upload costs tens of milliseconds, not seconds.
SCAN_PIXELS = 1600
QR_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode,
    zxingcpp.BarcodeFormat.MicroQRCode,
    zxingcpp.BarcodeFormat.RMQRCode,
)


def contains_qr_code(data: bytes) -> bool:
    """Whether the picture shows a QR code (any of its kinds) that can be read."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((SCAN_PIXELS, SCAN_PIXELS))
        return bool(zxingcpp.read_barcodes(image.convert("L"), formats=QR_FORMATS))


def ensure_no_qr_code(upload, *, field: str) -> None:
    """Refuse an uploaded cover that shows a QR code (`qr_code_not_allowed`); the upload is left
    at its start for whoever saves it."""
    data = upload.read()
    upload.seek(0)
    if contains_qr_code(data):
        raise DomainError("qr_code_not_allowed", field=field)
