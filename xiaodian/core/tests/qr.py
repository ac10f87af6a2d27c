"""A picture with a QR code in it, for the tests of the covers that must not carry one."""

import io

import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def qr_code_png(text: str = "weixin://contact/seller-123", *, size: int = 600, scale: int = 6) -> bytes:
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=scale)
    qr = Image.frombytes("L", (code.shape[1], code.shape[0]), bytes(memoryview(code)))
    picture = Image.new("RGB", (size, size), "#f3e5f5")
    picture.paste(qr.convert("RGB"), ((size - qr.width) // 2, (size - qr.height) // 2))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def qr_code_upload(name: str = "cover.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, qr_code_png(**kwargs), content_type="image/png")
