"""Security headers on every response: no MIME sniffing, no referrer, no framing, and on pages
a Content-Security-Policy that allows only the app's own resources.

The pages load nothing from elsewhere. The public form has one small inline script, allowed by
a per-request nonce (`csp_nonce()` in templates); inline styles (the public page's <style> and a
few style attributes) need 'unsafe-inline' for styles only. QR images may come from
PUBLIC_BASE_URL when it is another origin than the staff pages.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, g

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Public form tokens are in URLs: never send them on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def csp_nonce() -> str:
    """This request's script nonce (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy for one response; inline scripts run only with the given nonce."""
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    images = "'self' data:"
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc:
        images += f" {parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'", f"script-src {script}", "style-src 'self' 'unsafe-inline'",
        f"img-src {images}", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        "frame-ancestors 'none'",
    ])


#: Responses a browser renders as a document with scripts; PDFs are left without a policy,
#: because Chrome's PDF viewer counts as an embedded plugin and `object-src 'none'` blanks it.
POLICY_TYPES = {"text/html", "image/svg+xml"}


def add_security_headers(response):
    """After every request: the fixed headers, and the policy on pages and SVG, unless a view
    set its own."""
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype in POLICY_TYPES:
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(g.get("csp_nonce")))
    return response


def init_app(app: Flask) -> None:
    """Install the header hook and the template helper."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
