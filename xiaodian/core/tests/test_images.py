import io

from PIL import Image, ImageDraw

from xiaodian.core.images import contains_qr_code

from .qr import qr_code_png


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_picture_with_a_qr_code_is_found():
    assert contains_qr_code(qr_code_png()) is True


def test_a_qr_code_in_a_large_picture_survives_the_scan_downscale():
    big = Image.new("RGB", (4000, 3000), "white")
    big.paste(Image.open(io.BytesIO(qr_code_png(size=900, scale=12))), (1500, 1000))
    assert contains_qr_code(_png(big)) is True


def test_pictures_without_one_pass():
    plain = Image.new("RGB", (800, 600), "#263238")
    ImageDraw.Draw(plain).rectangle((100, 100, 300, 300), fill="#ffca28")  # a square is not a code
    assert contains_qr_code(_png(plain)) is False
