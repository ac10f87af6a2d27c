"""Checks on uploaded pictures that are platform rules, not formats: DOMAIN.md "Live rooms" keeps
QR codes out of covers (orders stay on the platform). zxing-cpp reads them."""

import io

import zxingcpp
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

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


def read_image(upload, *, max_bytes: int, field: str = "image") -> tuple[bytes, str, int, int]:
    """An uploaded picture's bytes, Pillow format name, width and height, once it is shown to be
    a real image of at most `max_bytes`; otherwise a refusal naming `field`."""
    if upload is None:
        raise DomainError("validation_error", _("请选择一张图片。"), field=field)
    too_large = _("图片不能超过 %(mb)d MB。") % {"mb": max_bytes // 2**20}
    if upload.size is not None and upload.size > max_bytes:
        raise DomainError("payload_too_large", too_large, field=field)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError("payload_too_large", field=field)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DomainError("image_invalid", field=field) from exc
    return data, image_format, width, height
