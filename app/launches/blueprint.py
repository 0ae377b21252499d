"""URL rules for QR codes and posters. They are public: they show only the public token's form."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort

from ..reporting.qr import qr_png, qr_svg
from .services import launch_by_token, launch_links

bp = Blueprint("launches", __name__)

CACHE = "public, max-age=86400"


def _launch_or_404(token: str):
    launch = launch_by_token(token)
    if launch is None:
        abort(404)
    return launch


@bp.get("/s/<token>/qr.png", endpoint="qr_png")
def qr_png_view(token: str):
    """The QR code of the form URL as PNG."""
    launch = _launch_or_404(token)
    return Response(qr_png(launch_links(launch)["form_url"]), mimetype="image/png",
                    headers={"Cache-Control": CACHE})


@bp.get("/s/<token>/qr.svg", endpoint="qr_svg")
def qr_svg_view(token: str):
    """The QR code of the form URL as SVG."""
    launch = _launch_or_404(token)
    return Response(qr_svg(launch_links(launch)["form_url"]), mimetype="image/svg+xml",
                    headers={"Cache-Control": CACHE})


@bp.get("/s/<token>/poster.pdf")
def poster(token: str):
    """The printable A4 poster."""
    from .documents import launch_poster, poster_filename
    launch = _launch_or_404(token)
    return pdf_download(launch_poster(launch), poster_filename(launch))


def pdf_download(content: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    """A download with a UTF-8 file name (RFC 5987) that Chinese Windows and WeChat keep."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, max-age=300"})

