"""QR codes for survey links, as PNG, SVG or a bare module matrix (pure functions)."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

# Level Q survives about a quarter of the symbol being damaged: posters taped at a school gate get
# rain, sun-fading and tape over a corner, and a survey URL is short enough that Q stays small.
ERROR_CORRECTION = ERROR_CORRECT_Q


def _code(data: str, box_size: int = 10, border: int = 4, image_factory=None) -> qrcode.QRCode:
    """Build and fit a QR code for `data` at the project's error-correction level."""
    if not data:
        raise ValueError("QR data must not be empty")
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=border,
                         image_factory=image_factory)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str, border: int = 0) -> list[list[bool]]:
    """The QR modules as rows of booleans (True = dark), with `border` light modules around."""
    return _code(data, border=border).get_matrix()


def qr_png(data: str, box_size: int = 10, border: int = 4) -> bytes:
    """A black-on-white 1-bit PNG of the QR code; `box_size` pixels per module."""
    image = _code(data, box_size=box_size, border=border).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    """A scalable SVG of the QR code, one <path> for all dark modules."""
    image = _code(data, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
