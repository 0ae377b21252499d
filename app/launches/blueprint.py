"""URL rules for QR codes and posters. They are public: they show only the public token's form."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from ..downloads import content_disposition
from ..reporting.qr import qr_png, qr_svg
from .services import launch_by_token, launch_links

bp = Blueprint("launches", __name__)

#: QR codes built from PUBLIC_BASE_URL are the same for everyone and may sit in shared caches.
CACHE = "public, max-age=86400"
#: Without PUBLIC_BASE_URL they encode the request's Host header: a shared cache must never keep
#: one, or a request with a forged Host would serve a QR code to a stranger's site to everybody.
CACHE_FROM_REQUEST_HOST = "private, no-store"


def public_cache_control(shared: str) -> str:
    """`shared` when links come from the configured base, else private and never stored."""
    return shared if current_app.config["PUBLIC_BASE_URL"] else CACHE_FROM_REQUEST_HOST


def _launch_or_404(token: str):
    launch = launch_by_token(token)
    if launch is None:
        abort(404)
    return launch


def qr_response(url: str, fmt: str) -> Response:
    """The QR code of a public URL as PNG or SVG, cached as its links allow."""
    content, mimetype = (qr_png(url), "image/png") if fmt == "png" else (qr_svg(url), "image/svg+xml")
    return Response(content, mimetype=mimetype, headers={"Cache-Control": public_cache_control(CACHE)})


@bp.get("/s/<token>/qr.png", endpoint="qr_png")
def qr_png_view(token: str):
    """The QR code of the form URL as PNG."""
    return qr_response(launch_links(_launch_or_404(token))["form_url"], "png")


@bp.get("/s/<token>/qr.svg", endpoint="qr_svg")
def qr_svg_view(token: str):
    """The QR code of the form URL as SVG."""
    return qr_response(launch_links(_launch_or_404(token))["form_url"], "svg")


@bp.get("/s/<token>/poster.pdf")
def poster(token: str):
    """The printable A4 poster."""
    from .documents import launch_poster, poster_filename
    launch = _launch_or_404(token)
    return pdf_download(launch_poster(launch), poster_filename(launch))


def pdf_download(content: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    """A download with a UTF-8 file name (RFC 5987) that Chinese Windows and WeChat keep."""
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename, "inline"),
        "Cache-Control": public_cache_control("private, max-age=300")})

